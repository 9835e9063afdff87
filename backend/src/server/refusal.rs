//! hyper's own refusals in the API's error shape. hyper 1 answers a request head it
//! cannot parse (a bad request line or header, a `Transfer-Encoding` whose last coding
//! is not `chunked`, a URI over 64 KiB, a head over its buffer) by itself, with an
//! empty body, before any service sees the request, and its HTTP/1 builder has no
//! option or hook for that answer (`Server::on_error` in hyper's `proto/h1/role.rs`
//! picks a status and writes a bare head). So this thin layer sits between hyper and
//! the socket: it recognises that head as hyper writes it (the last thing hyper
//! writes on the connection), keeps it off the wire, and once hyper's connection has
//! ended with the parse error, answers in its place with the same status family and
//! a JSON error, then closes. Everything else passes through untouched.
use std::{
    io,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::SystemTime,
};

use axum::{
    http::{header, StatusCode},
    response::IntoResponse,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::TcpStream,
};

use crate::error::ApiError;

/// Where a held-back refusal hands its socket to the connection task.
#[derive(Clone, Default)]
pub struct Handoff(Arc<Mutex<Option<(TcpStream, StatusCode)>>>);

impl Handoff {
    /// The socket and hyper's status, when hyper refused the request itself.
    pub fn take(&self) -> Option<(TcpStream, StatusCode)> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// The socket as hyper sees it.
pub struct RefusalIo {
    stream: Option<TcpStream>,
    /// hyper's own refusal, kept off the wire.
    held: Option<StatusCode>,
    handoff: Handoff,
}

impl RefusalIo {
    pub fn new(stream: TcpStream) -> (Self, Handoff) {
        let handoff = Handoff::default();
        let io = Self {
            stream: Some(stream),
            held: None,
            handoff: handoff.clone(),
        };
        (io, handoff)
    }

    fn stream(&mut self) -> io::Result<Pin<&mut TcpStream>> {
        self.stream
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }
}

impl AsyncRead for RefusalIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stream()?.poll_read(cx, buf)
    }
}

// Not vectored (the default): hyper then writes each flush as one buffer, so its
// refusal head arrives whole, at the end of one write.
impl AsyncWrite for RefusalIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.held.is_some() {
            return Poll::Ready(Ok(buf.len()));
        }
        match hyper_refusal(buf) {
            // What precedes it (the end of an earlier answer) goes out first.
            Some((start, _)) if start > 0 => self.stream()?.poll_write(cx, &buf[..start]),
            Some((_, status)) => {
                self.held = Some(status);
                Poll::Ready(Ok(buf.len()))
            }
            None => self.stream()?.poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.held.is_some() {
            return Poll::Ready(Ok(()));
        }
        self.stream()?.poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(status) = self.held {
            if let Some(stream) = self.stream.take() {
                *self.handoff.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((stream, status));
            }
            return Poll::Ready(Ok(()));
        }
        self.stream()?.poll_shutdown(cx)
    }
}

/// hyper's refusal at the end of `buf`: where it starts and its status. It is a bare
/// head, `HTTP/1.1 400|414|431` with only `connection: close`, `content-length: 0` and
/// `date`; every error this server writes itself carries a JSON body.
fn hyper_refusal(buf: &[u8]) -> Option<(usize, StatusCode)> {
    if !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let from = buf.len().saturating_sub(256);
    let start = from + buf[from..].windows(9).rposition(|w| w == b"HTTP/1.1 ")?;
    let mut headers = [httparse::EMPTY_HEADER; 4];
    let mut head = httparse::Response::new(&mut headers);
    match head.parse(&buf[start..]) {
        Ok(httparse::Status::Complete(n)) if n == buf.len() - start => {}
        _ => return None,
    }
    let status = StatusCode::from_u16(head.code?).ok()?;
    let bare = head.headers.iter().all(|h| {
        let name = h.name.to_ascii_lowercase();
        match name.as_str() {
            "content-length" => h.value == b"0",
            "connection" | "date" => true,
            _ => false,
        }
    });
    let refused = [
        StatusCode::BAD_REQUEST,
        StatusCode::URI_TOO_LONG,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
    ];
    (bare && refused.contains(&status)).then_some((start, status))
}

/// Our answer for hyper's refusal `status`, told apart further by hyper's error.
pub fn error_for(status: StatusCode, err: &hyper::Error) -> ApiError {
    match status {
        StatusCode::URI_TOO_LONG => ApiError::UriTooLong,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ApiError::HeadersTooLarge,
        // hyper names its parse errors only in their text; a test pins this one
        // (a hyper that words it otherwise fails it instead of answering 400).
        _ if err.to_string().contains("invalid transfer-encoding") => {
            ApiError::NotImplemented(super::framing::ONLY_CHUNKED)
        }
        _ if err.to_string().contains("content-length") => {
            ApiError::invalid("the Content-Length header is not a valid length")
        }
        _ => ApiError::invalid("the request is not valid HTTP/1.1"),
    }
}

/// Writes `error` as a whole HTTP/1.1 answer on `stream` and closes it.
pub async fn answer(mut stream: TcpStream, error: ApiError) {
    let res = error.into_response();
    let status = res.status();
    let (parts, body) = res.into_parts();
    let body = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    for (name, value) in &parts.headers {
        if name != header::CONNECTION && name != header::CONTENT_LENGTH {
            out.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or("")));
        }
    }
    out.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\ndate: {}\r\n\r\n",
        body.len(),
        httpdate::fmt_http_date(SystemTime::now())
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    // The client may be gone; nothing to do about it but close.
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bare_refusal_is_recognised() {
        let hyper = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Fri, 04 Dec 2026 18:13:47 GMT\r\n\r\n";
        assert_eq!(
            hyper_refusal(hyper),
            Some((0, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE))
        );
        let after = [&b"...end of an earlier body"[..], hyper].concat();
        assert_eq!(after.len() - hyper.len(), hyper_refusal(&after).unwrap().0);
        for ours in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 9\r\n\r\n"[..],
            b"HTTP/1.1 204 No Content\r\ndate: Fri, 04 Dec 2026 18:13:47 GMT\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nx-other: 1\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\nmore",
        ] {
            assert_eq!(hyper_refusal(ours), None, "{}", String::from_utf8_lossy(ours));
        }
    }
}
