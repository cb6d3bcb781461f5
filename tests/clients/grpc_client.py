#!/usr/bin/python3
"""Generic unary gRPC call with raw protobuf bytes, using the grpcio client (Debian python3-grpcio).

Usage: grpc_client.py TARGET METHOD REQUEST_HEX [TIMEOUT_SECONDS] [API_KEY]
Prints one JSON line: {"code": <int>, "details": <str>, "response_hex": <str>}.
No code generation: the request is sent as the given bytes and the response is returned as hex.
API_KEY, when given, is sent as the metadata "authorization: Bearer API_KEY" (the routing service needs it).
"""
import json
import sys

try:
    import grpc
except ImportError:
    sys.stderr.write("python3-grpcio is not installed: apt-get install -y python3-grpcio (run with /usr/bin/python3)\n")
    sys.exit(3)


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    target, method, request_hex = argv[1], argv[2], argv[3]
    timeout = float(argv[4]) if len(argv) > 4 and argv[4] else None
    metadata = [("authorization", "Bearer " + argv[5])] if len(argv) > 5 and argv[5] else None
    request = bytes.fromhex(request_hex)
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
        try:
            response = call(request, timeout=timeout, metadata=metadata)
            result = {"code": 0, "details": "", "response_hex": response.hex()}
        except grpc.RpcError as error:
            result = {"code": error.code().value[0], "details": error.details() or "", "response_hex": ""}
    print(json.dumps(result, ensure_ascii=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
