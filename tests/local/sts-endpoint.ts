// An STS endpoint on 127.0.0.1 that answers GetCallerIdentity (AWS Query protocol, an XML answer) with the caller
// a test chooses, so that `sweep --aws` can learn who it runs as without AWS.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StsEndpoint {
  url: string;
  close(): Promise<void>;
}

export async function startStsEndpoint(callerArn: string): Promise<StsEndpoint> {
  const account = callerArn.split(':')[4];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const action = new URLSearchParams(body).get('Action');
      if (action !== 'GetCallerIdentity') {
        response.writeHead(400, { 'content-type': 'text/xml' });
        response.end(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${action}</Message></Error></ErrorResponse>`);
        return;
      }
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
          `<Arn>${callerArn}</Arn><UserId>AROAEXAMPLE:session</UserId><Account>${account}</Account>` +
          '</GetCallerIdentityResult><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A client keeps its connection alive; without this close() waits for it to time out.
      server.closeAllConnections();
    });
  return { url: `http://127.0.0.1:${port}`, close };
}
