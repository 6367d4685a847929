//! The appliance's HTTP/1.1 layer on rustls (ring) and httparse: listeners with deadlines and size
//! limits, embedded assets, security headers, and the routes that hand requests to the other parts.
//! Why not tiny_http: see the README ("HTTP server").

mod assets;
mod conn;
mod headers;
mod message;
mod routes;
mod server;
mod tls;
mod wake;

pub use headers::SecurityHeaders;
pub use message::{Body, Request, Response, percent_decode};
pub use routes::App;
pub use server::{Bound, Handler, HttpError, Listener, Server, ServerOptions};
pub use tls::{TlsError, server_config};
