/**
 * Requests Node's HTTP parser refuses before any handler runs: a request line or headers past
 * its size limit, a malformed request, a request that never finishes arriving. Node would answer
 * with a bare status line; these get the same GraphQL-shaped JSON as every other refusal.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { errorBody, errorCodes, type ErrorCode } from "../errors/codes.ts";

function refusalFor(code: string | undefined): [ErrorCode, string] {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return ["REQUEST_HEADER_FIELDS_TOO_LARGE", "The URL or headers are too large; send a long query and its variables in a POST body"];
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return ["REQUEST_BODY_TIMEOUT", "The request did not arrive in full in time"];
    default:
      return ["BAD_REQUEST", "Malformed HTTP request"];
  }
}

/** The server's `clientError` listener. */
export function answerClientError(error: Error & { code?: string }, duplex: Duplex): void {
  const socket = duplex as Socket;
  // Nothing to say to a peer that is gone, or once a response has started.
  if (error.code === "ECONNRESET" || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const [code, message] = refusalFor(error.code);
  const status = errorCodes[code];
  const body = errorBody(code, message);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
