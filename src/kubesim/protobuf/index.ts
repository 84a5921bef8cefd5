/**
 * Decoding of `application/vnd.kubernetes.protobuf` request bodies, which kubectl's typed clients send for
 * `kubectl create <generator>` and `kubectl auth can-i`. kubesim always answers in JSON, which kubectl accepts.
 */
export { decodableKinds, decodeKubernetesProtobuf, PROTOBUF_CONTENT_TYPE } from './decode.ts';
