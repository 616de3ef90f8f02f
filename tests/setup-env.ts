// Jest set-up for every test file. The pinned SDK supports Node.js 20; its notice about versions it has not
// published yet is printed once per client, which would bury the test results.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// No test reaches AWS: an --aws command asks STS who its caller is, and without an STS of the test's own
// (tests/local/sts-endpoint.ts) that question is refused at once on this machine.
process.env.AWS_ENDPOINT_URL_STS ??= 'http://127.0.0.1:9';
