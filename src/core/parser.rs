//! Incremental parser for the operations a NATS server sends.

use super::status::{Error, Result, Status};

/// Longest control line accepted (INFO lines with large server lists
/// included); a longer one is a protocol error.
const MAX_CONTROL_LINE: usize = 1024 * 1024;

/// One operation read from the server. Slices borrow the read buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Op<'a> {
    Info(&'a [u8]),
    Msg {
        subject: &'a [u8],
        sid: u64,
        reply: Option<&'a [u8]>,
        headers: Option<&'a [u8]>,
        payload: &'a [u8],
    },
    Ping,
    Pong,
    Ok,
    Err(&'a [u8]),
}

fn protocol_error(what: impl Into<String>) -> Error {
    Error::new(Status::ProtocolError, what.into())
}

fn parse_u64(field: &[u8]) -> Option<u64> {
    if field.is_empty() || field.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for b in field {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

/// Splits a message line's arguments on spaces and tabs into `fields`,
/// returning how many there are, or `None` for more than `fields` holds.
fn split_fields<'a>(line: &'a [u8], fields: &mut [&'a [u8]; 5]) -> Option<usize> {
    let mut count = 0;
    let mut start = None;
    for (i, &b) in line.iter().enumerate() {
        if b == b' ' || b == b'\t' {
            if let Some(s) = start.take() {
                *fields.get_mut(count)? = &line[s..i];
                count += 1;
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        *fields.get_mut(count)? = &line[s..];
        count += 1;
    }
    Some(count)
}

/// Parses as many complete operations as `buf` holds, calling `on_op` for
/// each. Returns the number of bytes consumed; the rest is an incomplete
/// operation to parse again once more bytes arrive.
pub fn parse<'a>(buf: &'a [u8], mut on_op: impl FnMut(Op<'a>) -> Result<()>) -> Result<usize> {
    let mut pos = 0;
    while pos < buf.len() {
        let rest = &buf[pos..];
        // Lines end with CRLF; a bare LF inside a control line does not
        // occur, so finding the LF is enough.
        let Some(lf) = memchr::memchr(b'\n', rest) else {
            if rest.len() > MAX_CONTROL_LINE {
                return Err(Error::new(Status::LineTooLong, "protocol line too long"));
            }
            break;
        };
        if lf == 0 || rest[lf - 1] != b'\r' {
            return Err(protocol_error(format!(
                "protocol line '{}' does not end with CRLF",
                String::from_utf8_lossy(&rest[..lf])
            )));
        }
        let line = &rest[..lf - 1];
        let after_line = lf + 1;
        let (verb, args) = match line.iter().position(|b| *b == b' ' || *b == b'\t') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &line[line.len()..]),
        };
        let consumed = match verb {
            b"MSG" | b"msg" | b"HMSG" | b"hmsg" => {
                let with_headers = verb.len() == 4;
                let mut fields: [&[u8]; 5] = [&[]; 5];
                let count = split_fields(args, &mut fields).unwrap_or(usize::MAX);
                let (subject, sid, reply, hdr_len, total_len) = match (with_headers, count) {
                    (false, 3) => (fields[0], fields[1], None, Some(b"0".as_slice()), fields[2]),
                    (false, 4) => (fields[0], fields[1], Some(fields[2]), Some(b"0".as_slice()), fields[3]),
                    (true, 4) => (fields[0], fields[1], None, Some(fields[2]), fields[3]),
                    (true, 5) => (fields[0], fields[1], Some(fields[2]), Some(fields[3]), fields[4]),
                    _ => {
                        return Err(protocol_error(format!(
                            "malformed message line '{}'",
                            String::from_utf8_lossy(line)
                        )))
                    }
                };
                let bad = || protocol_error(format!("malformed message line '{}'", String::from_utf8_lossy(line)));
                let sid = parse_u64(sid).ok_or_else(bad)?;
                let hdr_len = hdr_len.and_then(parse_u64).ok_or_else(bad)? as usize;
                let total_len = parse_u64(total_len).ok_or_else(bad)? as usize;
                if hdr_len > total_len {
                    return Err(bad());
                }
                let needed = after_line + total_len + 2;
                if rest.len() < needed {
                    break;
                }
                let body = &rest[after_line..after_line + total_len];
                if &rest[after_line + total_len..needed] != b"\r\n" {
                    return Err(protocol_error("message payload not followed by CRLF"));
                }
                let (headers, payload) = if with_headers {
                    (Some(&body[..hdr_len]), &body[hdr_len..])
                } else {
                    (None, body)
                };
                on_op(Op::Msg {
                    subject,
                    sid,
                    reply,
                    headers,
                    payload,
                })?;
                needed
            }
            b"PING" | b"ping" => {
                on_op(Op::Ping)?;
                after_line
            }
            b"PONG" | b"pong" => {
                on_op(Op::Pong)?;
                after_line
            }
            b"+OK" | b"+ok" => {
                on_op(Op::Ok)?;
                after_line
            }
            b"-ERR" | b"-err" => {
                on_op(Op::Err(trim_error(args)))?;
                after_line
            }
            b"INFO" | b"info" => {
                on_op(Op::Info(args))?;
                after_line
            }
            _ => {
                return Err(protocol_error(format!(
                    "unknown protocol operation '{}'",
                    String::from_utf8_lossy(line)
                )))
            }
        };
        pos += consumed;
    }
    Ok(pos)
}

/// Strips the spaces and single quotes around an `-ERR` text.
fn trim_error(args: &[u8]) -> &[u8] {
    let mut s = args;
    while let [b' ' | b'\'', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\''] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8]) -> (Vec<String>, usize) {
        let mut ops = Vec::new();
        let n = parse(input, |op| {
            ops.push(format!("{op:?}"));
            Ok(())
        })
        .unwrap();
        (ops, n)
    }

    #[test]
    fn messages_and_controls() {
        let input = b"PING\r\nMSG foo 1 5\r\nhello\r\nMSG foo 2 bar 0\r\n\r\nHMSG a 3 12 14\r\nNATS/1.0\r\n\r\nhi\r\n+OK\r\n-ERR 'Authorization Violation'\r\n";
        let (ops, n) = collect(input);
        assert_eq!(n, input.len());
        assert_eq!(ops.len(), 6);
        let mut error = None;
        parse(b"-ERR 'Authorization Violation'\r\n", |op| {
            if let Op::Err(text) = op {
                error = Some(text.to_vec());
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(error.as_deref(), Some(&b"Authorization Violation"[..]));
    }

    #[test]
    fn partial_input_waits() {
        let (ops, n) = collect(b"MSG foo 1 5\r\nhel");
        assert!(ops.is_empty());
        assert_eq!(n, 0);
        let (ops, n) = collect(b"PONG\r\nPI");
        assert_eq!(ops.len(), 1);
        assert_eq!(n, 6);
    }

    #[test]
    fn malformed_is_error() {
        assert!(parse(b"MSG foo\r\n", |_| Ok(())).is_err());
        assert!(parse(b"BOGUS\r\n", |_| Ok(())).is_err());
        assert!(parse(b"MSG foo 1 2\r\nabXY", |_| Ok(())).is_err());
        assert!(parse(b"MSG foo 1 2 3 4 5 6\r\nab\r\n", |_| Ok(())).is_err());
        assert!(parse(b"PING\n", |_| Ok(())).is_err());
    }

    #[test]
    fn fields_split_on_runs_of_blanks() {
        let input = b"MSG  foo\t 7   bar  2\r\nhi\r\nHMSG a 3 r 12 14 \r\nNATS/1.0\r\n\r\nhi\r\n";
        let (ops, n) = collect(input);
        assert_eq!(n, input.len());
        assert_eq!(ops.len(), 2);
        assert!(ops[0].contains("sid: 7"), "{}", ops[0]);
        assert!(ops[1].contains("sid: 3"), "{}", ops[1]);
    }
}
