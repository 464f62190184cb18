/** What the fault proxy (test/node/fault-proxy.ts) does to a matching storage request. */
export type FaultMode =
  | "error500" // 500 InternalError, request not forwarded
  | "slowdown503" // 503 SlowDown, request not forwarded
  | "conflict409" // 409 ConditionalRequestConflict, request not forwarded
  | "throttle429" // 429, request not forwarded (R2 past one write per second to one key)
  | "hang" // never answers (the connection stays open until the client gives up)
  | "reset" // the connection is reset before anything is forwarded
  | "resetAfter" // forwarded; the store's answer is dropped and the connection reset
  | "cutResponse" // forwarded; the answer's headers promise the whole body, half of it is sent
  | "cutRequest" // half of the request body is forwarded, then both connections are cut
  | "delay"; // forwarded after delayMs

