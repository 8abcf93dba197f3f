// Package zalo is oabot's only contact with the Zalo Official Account (OA) platform.
//
// It follows the project's reference ../shared/docs/zalo-oa.md (cited below as "zalo-oa.md §N"):
//
//   - Webhook events (§1.4–§1.6): ParseEvent decodes one webhook body into a typed Event;
//     Route tells which OA and which citizen it concerns; DedupeKey gives a stable key for
//     at-least-once delivery (§1.2).
//   - Webhook signature (§1.3): VerifySignature checks X-ZEvent-Signature on the raw body;
//     Sign computes it (tests, emulator, load generator).
//   - Outgoing consultation messages (§2): Message, Message.Validate, Message.Payload.
//   - API client (§0, §2, §3, §7): Client, one per OA, with uploads, users, followers, tags.
//   - Errors (§2.6): APIError and its classes (ErrRetryable, ErrTokenExpired, …).
//   - Tokens and OAuth v4 (§4): TokenPair, TokenStore, TokenSource, PKCE helpers.
//
// Facts that zalo-oa.md tags [S] (secondary source) or [?] (uncertain) are named constants in
// limits.go or options on the client, and decoding accepts every reported shape.
//
// The package imports nothing from this module, does no logging, and never puts an access
// token, refresh token or secret into an error string.
package zalo
