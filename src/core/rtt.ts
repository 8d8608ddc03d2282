// Retransmission timeout estimator, RFC 6298: SRTT/RTTVAR, clamped RTO, exponential backoff.
// Karn's rule (no samples from retransmitted data) is applied by the caller, which knows.

export interface RtoBounds {
  initialRtoMs: number;
  /** RFC 6298 says 1 s; 200 ms (as Linux uses) suits a LAN without spurious retransmits. */
  minRtoMs: number;
  maxRtoMs: number;
  /** Clock granularity G of RFC 6298 §2. */
  granularityMs: number;
}

export const DEFAULT_RTO_BOUNDS: RtoBounds = { initialRtoMs: 1000, minRtoMs: 200, maxRtoMs: 8000, granularityMs: 1 };

export class RttEstimator {
  srtt: number | undefined;
  rttvar = 0;
  private baseRto: number;
  private backoff = 1;

  constructor(private readonly bounds: RtoBounds = DEFAULT_RTO_BOUNDS) {
    this.baseRto = bounds.initialRtoMs;
  }

  /** RFC 6298 §2.2 / §2.3. */
  sample(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.baseRto = this.srtt + Math.max(this.bounds.granularityMs, 4 * this.rttvar);
    this.backoff = 1; // a fresh sample ends the backoff (§5.7)
  }

  /** RFC 6298 §5.5: double the RTO on each expiry. */
  onTimeout(): void {
    if (this.rto < this.bounds.maxRtoMs) this.backoff *= 2;
  }

  /** Ends the exponential backoff (new data was acknowledged) without changing the estimate. */
  resetBackoff(): void {
    this.backoff = 1;
  }

  get rto(): number {
    return Math.min(this.bounds.maxRtoMs, Math.max(this.bounds.minRtoMs, this.baseRto * this.backoff));
  }
}
