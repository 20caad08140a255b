//! hyper h2c server for bench/run.js: GET / (12 bytes), GET /big (1 MiB), POST /echo
//! (reads the body, answers its length). Prints `listening PORT` once bound to 127.0.0.1.
//!   hyper-peer PORT   (0 = ephemeral)

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

const SMALL: &[u8] = b"hello world\n";
const BIG_LEN: usize = 1024 * 1024;

async fn route(req: Request<Incoming>, big: Bytes) -> Result<Response<Full<Bytes>>, Infallible> {
    let ok = |ct: &'static str, body: Bytes| {
        let mut r = Response::new(Full::new(body));
        r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static(ct));
        r
    };
    let res = match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => ok("text/plain", Bytes::from_static(SMALL)),
        (&Method::GET, "/big") => ok("application/octet-stream", big),
        (&Method::POST, "/echo") => {
            let mut body = req.into_body();
            let mut n: u64 = 0;
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.map(|f| f.into_data()) {
                    n = n.saturating_add(data.map(|d| d.len() as u64).unwrap_or(0));
                } else {
                    break;
                }
            }
            ok("text/plain", Bytes::from(n.to_string()))
        }
        _ => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::NOT_FOUND;
            r
        }
    };
    Ok(res)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening {}", listener.local_addr()?.port());
    let big = Bytes::from(vec![0x61u8; BIG_LEN]);
    loop {
        let (sock, _) = listener.accept().await?;
        let _ = sock.set_nodelay(true);
        let big = big.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| route(req, big.clone()));
            let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                .max_concurrent_streams(Some(1000))
                .serve_connection(TokioIo::new(sock), service)
                .await;
        });
    }
}
