/** A status push after parsing and validation, before storage. */

export interface IngestCounts {
  alertsCount: number;
  publicPortsTotalCount: number;
  /** Unexpected count when known, else the total (agent-protocol §1.10 step 7). */
  publicPortsCount: number;
  unexpectedPublicPortsCount: number | null;
  expectedPublicPorts: string[] | null;
}

export interface ParsedSnapshot {
  /** `body.status` when it is an object, else the body; `_`-prefixed members dropped. */
  base: Record<string, unknown>;
  last: Record<string, unknown> | null;
  diff: Record<string, unknown> | null;
  /** `body.ok` when boolean, else true. */
  okFlag: boolean;
  /** Collection time as ISO 8601 UTC with ms and Z (the receive time when missing/invalid). */
  ts: string;
  receivedAt: string;
  /** Ingest warnings, e.g. `ingest_clock_skew_high:45m`, `ingest_host_mismatch:web-9`. */
  warnings: string[];
  counts: IngestCounts;
  /** sha256 hex of the raw request bytes. */
  payloadHash: string;
  payloadBytes: number;
  /** `base.host` as reported (self-reported hostname), if a string. */
  reportedHost: string | null;
  /** `base.version` (agent version), if a string. */
  agentVersion: string | null;
}
