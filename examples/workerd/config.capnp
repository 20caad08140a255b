# workerd config: `npx workerd serve config.capnp` after the wrangler bundle (see wrangler.toml).
#   tcp socket "h2c"  127.0.0.1:8081  → the Worker's connect() handler serves HTTP/2 (prior knowledge)
#   http socket "http" 127.0.0.1:8080 → the Worker's fetch() handler (GET /selftest; GET /client?port=N
#     runs h2wasm's client over cloudflare:sockets to an h2c server on 127.0.0.1:N)
# The Worker's outbound sockets go through the service named "internet", which by default allows
# only public addresses; this one also allows loopback ("local"), for the local h2c server.
# Move a socket with `--socket-addr h2c=127.0.0.1:9000`. TLS: config-tls.capnp.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    ( name = "main", worker = .h2Worker ),
    ( name = "internet", network = ( allow = ["public", "local"] ) ),
  ],
  sockets = [
    ( name = "h2c", address = "127.0.0.1:8081", tcp = (), service = "main" ),
    ( name = "http", address = "127.0.0.1:8080", http = (), service = "main" ),
  ],
);

const h2Worker :Workerd.Worker = (
  modules = [
    ( name = "worker.js", esModule = embed "dist/worker.js" ),
    ( name = "wasm/h2wasm_bg.wasm", wasm = embed "dist/wasm/h2wasm_bg.wasm" ),
  ],
  compatibilityDate = "2026-11-01",
);
