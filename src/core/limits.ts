// Every limit of the protocol and the session, in one place (documented in docs/PROTOCOL.md §Limits).

/** Largest message text, in UTF-8 bytes: 1 MiB. */
export const MAX_TEXT_BYTES = 1024 * 1024;
/** Largest message body on the wire: the text plus its header and metadata (code path, language). */
export const MAX_MESSAGE_BYTES = MAX_TEXT_BYTES + 4096;
/** Payload bytes per fragment: safe for IPv6 minimum MTU and QUIC (1280 - headers). */
export const MAX_FRAGMENT_PAYLOAD = 1200;
/**
 * The frames of one PACKED datagram total at most this (PROTOCOL.md §7.4): one full fragment with its
 * 14-byte frame header. So a packed datagram is as large as a full DATA datagram, plus 2 bytes.
 */
export const MAX_PACKED_FRAME_BYTES = 14 + MAX_FRAGMENT_PAYLOAD;
/**
 * Largest inner datagram a sender builds: the largest DATA datagram (26 bytes of header and fields,
 * an ack block of 16 SACK ranges, a full fragment). 1,401 bytes sealed in TRANSPORT.
 */
export const MAX_INNER_DATAGRAM = 6 + 20 + (13 + 8 * 16) + MAX_FRAGMENT_PAYLOAD;
/** Largest fragment count a message may have. */
export const MAX_FRAGMENTS = Math.ceil(MAX_MESSAGE_BYTES / MAX_FRAGMENT_PAYLOAD);
/** Out-of-order fragments a receiver buffers per peer above the next expected sequence number. */
export const MAX_BUFFERED_FRAGMENTS = 2048;
/** Distinct messages that may be partly buffered (pending reassemblies) at once. */
export const MAX_PENDING_REASSEMBLIES = 64;
/** A gap that has not been filled after this long frees the buffered fragments behind it. */
export const REASSEMBLY_TIMEOUT_MS = 60_000;
/**
 * Fragments in flight (sent, not yet acknowledged) per sender, at most: a cap above the congestion
 * window (flight.ts), which is what limits the flight in practice.
 */
export const SEND_WINDOW = 1024;
/** Messages waiting to be sent (queued while the peer is offline) per session. */
export const MAX_QUEUED_MESSAGES = 1000;
/** SACK ranges carried in one ack. */
export const MAX_SACK_RANGES = 16;
/** Display names are cut to this many bytes. */
export const MAX_NAME_BYTES = 64;
/** Message ids remembered per peer for duplicate suppression across stream resets. */
export const DEDUPE_MEMORY = 4096;
