// Jest set-up for every test file. The pinned SDK supports Node.js 20; its notice about versions it has not
// published yet is printed once per client, which would bury the test results.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
