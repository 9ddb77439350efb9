// The canvas -> Python op channel (the Python side is designer/ui/canvas/protocol.py).
//
// Every op gets a sequence number. Until Python acknowledges it (`data.ack`), it stays in the
// outbox and goes out again with every later send: Streamlit keeps only the *last* trigger value
// when two arrive before a rerun starts, and Python skips the ops it has already applied.

// An unacknowledged op is sent again after 3 s, then 6 s and 12 s (a slow rerun is not a lost op,
// hence the back-off); after that the outbox gives up (e.g. the canvas sits inside st.form, where
// Streamlit drops trigger values) and the canvas shows Python's design again.
const RESEND_AFTER_MS = 3000;
const MAX_RESENDS = 3;

const randomId = () => Math.random().toString(36).slice(2, 10) + Date.now().toString(36).slice(-4);

export class Outbox {
  /** `onGiveUp()` is called when Python never acknowledged the pending ops. */
  constructor(onGiveUp) {
    this.client = randomId(); // one numbering per canvas instance (Python restarts it per client)
    this.seq = 0;
    this.ops = [];
    this.api = null; // the component object from Streamlit (setTriggerValue); refreshed every rerun
    this.queued = false;
    this.resends = 0;
    this.onGiveUp = onGiveUp;
    this.stats = { sent: 0, lastAckMs: null };
  }

  /** True while some op is queued or not yet acknowledged. */
  get pending() { return this.queued || this.ops.length > 0; }

  /** Queue an op. Ops of one event (one task) go out together, as soon as its handlers are done: a
   * microtask, not a timer, which would wait for the frame the edit makes the canvas draw. */
  push(op) {
    this.seq += 1;
    this.ops.push({ ...op, seq: this.seq });
    if (!this.queued) {
      this.queued = true;
      queueMicrotask(() => { this.queued = false; this.send(); });
    }
  }

  send() {
    if (!this.ops.length || !this.api) return;
    this.api.setTriggerValue('edit', { client: this.client, ops: this.ops });
    this.sentAt = performance.now();
    this.stats.sent += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.resend(), RESEND_AFTER_MS * 2 ** this.resends);
  }

  /** Drop the ops Python has applied (`ack` comes with every payload). */
  acknowledge(ack) {
    if (!ack || ack.client !== this.client) return;
    const before = this.ops.length;
    this.ops = this.ops.filter((op) => op.seq > ack.seq);
    if (this.ops.length < before) {
      this.resends = 0;
      this.stats.lastAckMs = Math.round(performance.now() - this.sentAt); // sent -> Python's answer
    }
    if (!this.ops.length) clearTimeout(this.timer);
  }

  resend() {
    if (!this.ops.length) return;
    this.resends += 1;
    if (this.resends > MAX_RESENDS) {
      this.ops = [];
      this.resends = 0;
      this.onGiveUp();
      return;
    }
    this.send();
  }

  destroy() { clearTimeout(this.timer); }
}
