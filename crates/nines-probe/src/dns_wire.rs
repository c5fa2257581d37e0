//! The DNS message format (RFC 1035), just what a probe needs: build one
//! query, read one response and print its answers as `dig` does. Pure.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::spec::RecordType;

/// Why a name cannot be queried or a response cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("{0:?} is not a valid DNS name: {1}")]
    BadName(String, &'static str),
    #[error("malformed response: {0}")]
    Malformed(&'static str),
}

/// UDP payload size advertised with EDNS(0): large enough for most answers,
/// small enough to avoid fragmentation (the DNS flag day 2020 value).
pub const EDNS_PAYLOAD: u16 = 1232;

/// A query for `name`/`qtype` with recursion desired and an EDNS(0) OPT
/// record.
pub fn query(id: u16, name: &str, qtype: RecordType) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&0x0100u16.to_be_bytes()); // RD
    out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 1]); // QD=1, AN=0, NS=0, AR=1
    encode_name(&mut out, name)?;
    out.extend_from_slice(&qtype.code().to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes()); // IN
    // OPT: root name, type 41, class = payload size, TTL 0, no data.
    out.push(0);
    out.extend_from_slice(&41u16.to_be_bytes());
    out.extend_from_slice(&EDNS_PAYLOAD.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    Ok(out)
}

fn encode_name(out: &mut Vec<u8>, name: &str) -> Result<(), WireError> {
    let bad = |why| WireError::BadName(name.to_string(), why);
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.len() > 253 {
        return Err(bad("longer than 253 characters"));
    }
    if !trimmed.is_empty() {
        for label in trimmed.split('.') {
            if label.is_empty() {
                return Err(bad("empty label"));
            }
            if label.len() > 63 {
                return Err(bad("a label is longer than 63 characters"));
            }
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
    }
    out.push(0);
    Ok(())
}

/// A response as a probe sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub id: u16,
    pub rcode: u16,
    /// TC: the answer did not fit.
    pub truncated: bool,
    /// Answer records, printed as `name. ttl IN TYPE data`.
    pub answers: Vec<String>,
    /// Records in the authority section.
    pub authority: usize,
    /// Records in the additional section, the OPT pseudo-record left out:
    /// it is there because the query asked with EDNS, not data.
    pub additional: usize,
    /// The serial of the first SOA among the answers.
    pub serial: Option<u32>,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(WireError::Malformed("cut short"))?;
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn u16(&mut self) -> Result<u16, WireError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A possibly compressed name, printed with a trailing dot.
    fn name(&mut self) -> Result<String, WireError> {
        let (name, end) = read_name(self.buf, self.pos)?;
        self.pos = end;
        Ok(name)
    }
}

/// Reads the name at `at`; returns it and where the data after it starts.
fn read_name(buf: &[u8], mut at: usize) -> Result<(String, usize), WireError> {
    let mut name = String::new();
    let mut end = None;
    // Each pointer must go backwards, so this many jumps means a loop.
    let mut jumps = 0;
    loop {
        let len = *buf.get(at).ok_or(WireError::Malformed("name cut short"))? as usize;
        match len & 0xc0 {
            0x00 if len == 0 => {
                let end = end.unwrap_or(at + 1);
                if name.is_empty() {
                    name.push('.');
                }
                return Ok((name, end));
            }
            0x00 => {
                let label = buf
                    .get(at + 1..at + 1 + len)
                    .ok_or(WireError::Malformed("label cut short"))?;
                for &b in label {
                    if b.is_ascii_graphic() && b != b'.' && b != b'\\' {
                        name.push(b as char);
                    } else {
                        let _ = write!(name, "\\{b:03}");
                    }
                }
                name.push('.');
                if name.len() > 1024 {
                    return Err(WireError::Malformed("name too long"));
                }
                at += 1 + len;
            }
            0xc0 => {
                let low = *buf
                    .get(at + 1)
                    .ok_or(WireError::Malformed("pointer cut short"))?;
                let target = ((len & 0x3f) << 8) | low as usize;
                end.get_or_insert(at + 2);
                jumps += 1;
                if target >= at || jumps > 64 {
                    return Err(WireError::Malformed("compression pointer loop"));
                }
                at = target;
            }
            _ => return Err(WireError::Malformed("unknown label type")),
        }
    }
}

/// Reads a response; `None`-free: anything odd is an error naming it.
pub fn parse_response(buf: &[u8]) -> Result<Response, WireError> {
    let mut r = Reader { buf, pos: 0 };
    let id = r.u16()?;
    let flags = r.u16()?;
    if flags & 0x8000 == 0 {
        return Err(WireError::Malformed("not a response (QR unset)"));
    }
    let (qd, an) = (r.u16()?, r.u16()?);
    let (ns, ar) = (r.u16()?, r.u16()?);
    for _ in 0..qd {
        r.name()?;
        r.take(4)?;
    }
    let mut answers = Vec::with_capacity(an as usize);
    let mut serial = None;
    for _ in 0..an {
        let name = r.name()?;
        let rtype = r.u16()?;
        let class = r.u16()?;
        let ttl = r.u32()?;
        let len = r.u16()? as usize;
        let start = r.pos;
        let data = r.take(len)?;
        let text = rdata(buf, start, data, rtype)?;
        if rtype == RecordType::Soa.code() && serial.is_none() {
            let mut soa = Reader { buf, pos: start };
            soa.name()?;
            soa.name()?;
            serial = Some(soa.u32()?);
        }
        let type_name = RecordType::from_code(rtype)
            .map(|t| t.name().to_string())
            .unwrap_or_else(|| format!("TYPE{rtype}"));
        let class = if class == 1 {
            "IN".to_string()
        } else {
            format!("CLASS{class}")
        };
        answers.push(format!("{name} {ttl} {class} {type_name} {text}"));
    }
    let mut additional = 0;
    for (is_additional, count) in [(false, ns), (true, ar)] {
        for _ in 0..count {
            r.name()?;
            let rtype = r.u16()?;
            r.take(6)?;
            let len = r.u16()? as usize;
            r.take(len)?;
            if is_additional && rtype != OPT {
                additional += 1;
            }
        }
    }
    Ok(Response {
        id,
        rcode: flags & 0x000f,
        truncated: flags & 0x0200 != 0,
        answers,
        authority: ns as usize,
        additional,
        serial,
    })
}

/// The EDNS pseudo-record's type.
const OPT: u16 = 41;

fn rdata(buf: &[u8], start: usize, data: &[u8], rtype: u16) -> Result<String, WireError> {
    let short = WireError::Malformed("record data cut short");
    let sub = |at: usize| -> Result<Reader<'_>, WireError> { Ok(Reader { buf, pos: at }) };
    Ok(match RecordType::from_code(rtype) {
        Some(RecordType::A) => {
            let b: [u8; 4] = data.try_into().map_err(|_| short)?;
            Ipv4Addr::from(b).to_string()
        }
        Some(RecordType::Aaaa) => {
            let b: [u8; 16] = data.try_into().map_err(|_| short)?;
            Ipv6Addr::from(b).to_string()
        }
        Some(RecordType::Ns | RecordType::Cname | RecordType::Ptr) => read_name(buf, start)?.0,
        Some(RecordType::Mx) => {
            let mut r = sub(start)?;
            let pref = r.u16()?;
            format!("{pref} {}", r.name()?)
        }
        Some(RecordType::Srv) => {
            let mut r = sub(start)?;
            let (prio, weight, port) = (r.u16()?, r.u16()?, r.u16()?);
            format!("{prio} {weight} {port} {}", r.name()?)
        }
        Some(RecordType::Soa) => {
            let mut r = sub(start)?;
            let (mname, rname) = (r.name()?, r.name()?);
            let nums = [r.u32()?, r.u32()?, r.u32()?, r.u32()?, r.u32()?];
            let nums: Vec<String> = nums.iter().map(u32::to_string).collect();
            format!("{mname} {rname} {}", nums.join(" "))
        }
        Some(RecordType::Txt) => {
            let mut parts = Vec::new();
            let mut rest = data;
            while let Some((&len, tail)) = rest.split_first() {
                let text = tail.get(..len as usize).ok_or(short.clone())?;
                parts.push(format!("{:?}", String::from_utf8_lossy(text)));
                rest = &tail[len as usize..];
            }
            parts.join(" ")
        }
        Some(RecordType::Caa) => {
            let (&flags, rest) = data.split_first().ok_or(short.clone())?;
            let (&tag_len, rest) = rest.split_first().ok_or(short.clone())?;
            let tag = rest.get(..tag_len as usize).ok_or(short)?;
            let value = &rest[tag_len as usize..];
            format!(
                "{flags} {} {:?}",
                String::from_utf8_lossy(tag),
                String::from_utf8_lossy(value)
            )
        }
        None => {
            let hex: String = data.iter().map(|b| format!("{b:02X}")).collect();
            format!("\\# {} {hex}", data.len())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(query(1, "example.com.", RecordType::A).is_ok());
        assert!(query(1, "a..b", RecordType::A).is_err());
        assert!(query(1, &"a".repeat(64), RecordType::A).is_err());
    }

    #[test]
    fn pointer_loops_are_errors() {
        // Header (response, 1 answer) then an answer whose name points at itself.
        let mut buf = vec![0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        buf.extend_from_slice(&[0xc0, 12]);
        assert!(parse_response(&buf).is_err());
    }
}
