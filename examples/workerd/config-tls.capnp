# workerd config with TLS: config.capnp's Worker and sockets, plus a tcp socket whose tlsOptions make
# workerd terminate TLS before the Worker's `tls.connect()` entrypoint sees the bytes.
#   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem \
#     -out cert.pem -days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1
#   npx workerd serve config-tls.capnp
#   curl -k --http2-prior-knowledge https://127.0.0.1:8443/
# workerd's TlsOptions has no ALPN setting, so clients that require ALPN "h2" (browsers,
# h2load, grpc-js) cannot use this socket; curl with --http2-prior-knowledge can.
using Workerd = import "/workerd/workerd.capnp";
using Base = import "config.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = Base.h2Worker) ],
  sockets = [
    ( name = "h2c", address = "127.0.0.1:8081", tcp = (), service = "main" ),
    ( name = "http", address = "127.0.0.1:8080", http = (), service = "main" ),
    ( name = "tls", address = "127.0.0.1:8443",
      tcp = ( tlsOptions = ( keypair = ( privateKey = embed "key.pem", certificateChain = embed "cert.pem" ) ) ),
      service = ( name = "main", entrypoint = "tls" ) ),
  ],
);
