// Generic unary gRPC call with raw protobuf bytes, using @grpc/grpc-js.
// Usage: node grpc-client.mjs TARGET METHOD REQUEST_HEX [TIMEOUT_SECONDS] [API_KEY]
// API_KEY, when given, is sent as the metadata "authorization: Bearer API_KEY" (the routing service needs it).
// Prints one JSON line: {"code": <int>, "details": <str>, "response_hex": <str>}.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let grpc;
try {
  grpc = require('@grpc/grpc-js');
} catch {
  process.stderr.write('@grpc/grpc-js is not installed: npm ci --prefix tests/clients\n');
  process.exit(3);
}

const [target, method, requestHex, timeoutSeconds, apiKey] = process.argv.slice(2);
if (!target || !method || requestHex === undefined) {
  process.stderr.write('usage: node grpc-client.mjs TARGET METHOD REQUEST_HEX [TIMEOUT_SECONDS] [API_KEY]\n');
  process.exit(2);
}

const identity = (buffer) => buffer;
const client = new grpc.Client(target, grpc.credentials.createInsecure());
const options = {};
const metadata = new grpc.Metadata();
if (apiKey) metadata.set('authorization', `Bearer ${apiKey}`);
if (timeoutSeconds) options.deadline = new Date(Date.now() + Number(timeoutSeconds) * 1000);

client.makeUnaryRequest(method, identity, identity, Buffer.from(requestHex, 'hex'), metadata, options, (error, response) => {
  const result = error
    ? { code: error.code, details: error.details ?? '', response_hex: '' }
    : { code: 0, details: '', response_hex: Buffer.from(response).toString('hex') };
  // Escape non-ASCII so the reader does not depend on the console encoding.
  process.stdout.write(JSON.stringify(result).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n');
  client.close();
});
