// Keys for state that one js/ module reads or writes on another module's objects.
// A Symbol key keeps that state out of the public surface (it does not show in
// Object.keys, JSON or autocompletion, and a user cannot collide with it) and makes
// every cross-module use findable by one import. State that only its own module
// touches keeps a plain `_name`.

// ---- engine driver (js/driver.js) and the two roles built on it (js/connection.js, js/client.js) ----

/** The engine handle of a connection or session (EngineConn / ClientEngine). */
export const kEngine = Symbol('h2wasm.engine');
/** The connection or session has finished (no more events, writes or timers). */
export const kClosed = Symbol('h2wasm.closed');
/** The engine has said it is closing: the connection ends once its output is written. */
export const kClosing = Symbol('h2wasm.closing');
/** A receive/flush cycle is running and will flush at its end (no extra microtask flush). */
export const kBusy = Symbol('h2wasm.busy');
/** The transport refused more bytes (write returned false) until it drains. */
export const kSocketBlocked = Symbol('h2wasm.socketBlocked');
/** Pause or resume reading and producers when the transport's buffer fills or drains. */
export const kSetSocketBlocked = Symbol('h2wasm.setSocketBlocked');
/** The transport drained its buffer: flush again. Called by js/transport.js. */
export const kDrained = Symbol('h2wasm.drained');
/** Hand a body chunk (or the end) of a stream to the engine and keep the bytes until written. */
export const kQueueData = Symbol('h2wasm.queueData');
/** Write everything the engine has now. */
export const kFlush = Symbol('h2wasm.flush');
/** Stop the engine-deadline timer (the connection is finishing). */
export const kDisarm = Symbol('h2wasm.disarm');
/** Flush soon (once per microtask). */
export const kKick = Symbol('h2wasm.kick');
/** The application took n bytes of a stream's inbound data (reported to the engine per flush). */
export const kConsumed = Symbol('h2wasm.consumed');
/** Decode a batch of event records (and poll for more) — each role's own event handling. */
export const kProcess = Symbol('h2wasm.process');
/** End the connection: fail what is open and close the transport. */
export const kFinish = Symbol('h2wasm.finish');
/** The engine has nothing more to write and is closed: finish with the role's reason. */
export const kOutputDone = Symbol('h2wasm.outputDone');
/** The flush wrote a stream's last queued chunk (the server asks a pull producer for more). */
export const kQueueEmptied = Symbol('h2wasm.queueEmptied');
/** Show the outbound buffers of one flush to the role's tap (options.tap). */
export const kTapOutbound = Symbol('h2wasm.tapOutbound');

// ---- a stream's send queue, read by js/driver.js when write_output asks for its bytes ----

/** Body chunks waiting for write_output (null when none were queued yet). */
export const kQueue = Symbol('h2wasm.queue');
/** Bytes of the first queued chunk already written. */
export const kQueueOffset = Symbol('h2wasm.queueOffset');

// ---- a server stream (js/stream.js H2Stream, js/http1.js H1Stream) as its connection and the adapters see it ----

/** The stream is gone (closed or reset); nothing more reaches the application. */
export const kDone = Symbol('h2wasm.done');
/** The request body ended but its end was not delivered yet (the application paused reading). */
export const kEndPending = Symbol('h2wasm.endPending');
/** Flow control says stop sending on this stream (SEND_BLOCKED until SEND_READY). */
export const kBlocked = Symbol('h2wasm.blocked');
/** The connection the stream belongs to. */
export const kConnection = Symbol('h2wasm.connection');
/** Ask the request factory for the stream's request object and give it the head. */
export const kOpen = Symbol('h2wasm.open');
/** Inbound events from the connection: body bytes, trailers, end of request, loss. */
export const kOnData = Symbol('h2wasm.onData');
export const kOnTrailers = Symbol('h2wasm.onTrailers');
export const kOnEnd = Symbol('h2wasm.onEnd');
export const kLost = Symbol('h2wasm.lost');
/** The connection's reason when its own timer ended the stream (slow request body). */
export const kExpired = Symbol('h2wasm.expired');
/** Socket or flow-control backpressure for the application's producer. */
export const kPauseProducer = Symbol('h2wasm.pauseProducer');
export const kResumeProducer = Symbol('h2wasm.resumeProducer');
/** The registered producer is a push producer (paused and resumed), not a pull producer (asked per chunk). */
export const kStreaming = Symbol('h2wasm.streaming');
/** Ask a pull producer for more once the current chunk is written. */
export const kSchedulePull = Symbol('h2wasm.schedulePull');

// ---- a connection inside createServer (js/index.js) and the budgets across connections (js/budget.js) ----

/** The h2c upgrade was refused: drop the engine without touching the socket (it answers in HTTP/1.1). */
export const kDiscard = Symbol('h2wasm.discard');
/** createServer's set of live connections: the connection leaves it when it closes. */
export const kConnectionSet = Symbol('h2wasm.connectionSet');
/** createServer's server object: budgets across connections and the 'abuse' event. */
export const kHub = Symbol('h2wasm.hub');
/** The server's PeerBudget (on the hub). */
export const kBudget = Symbol('h2wasm.budget');
/** Count and emit one abuse decision (on the hub). */
export const kAbuse = Symbol('h2wasm.abuse');
/** PeerBudget's per-connection state: the address it is charged to, its score and when it was last decayed. */
export const kBudgetScope = Symbol('h2wasm.budgetScope');
export const kScore = Symbol('h2wasm.score');
export const kScoreAt = Symbol('h2wasm.scoreAt');

// ---- a stream as the driver sees it (server H2Stream and client ClientStream) ----

/** The engine's answer to a send command on this stream: true when the bytes were taken. */
export const kAccepted = Symbol('h2wasm.accepted');

// ---- request streams (js/stream.js) read by the fetch layer (js/fetch.js) ----

/** The request's packed field block (js/boundary.js PACKED_FIELD), until H2Stream decodes it. */
export const kFieldBlock = Symbol('h2wasm.fieldBlock');

// ---- the engine runtime (js/engine.js) and the handles it serves ----

/** The instance trapped: an engine handle drops its pointer and fails its owner. */
export const kOnTrap = Symbol('h2wasm.onTrap');
/** Fail a connection or session with an error (a trap, or a throw in its own event handling). */
export const kFail = Symbol('h2wasm.fail');
