//! Email notifications over SMTP (lettre): STARTTLS, implicit TLS or
//! plain, with AUTH when configured; a text and an HTML part. The reply
//! decides the verdict as SMTP defines it: 2xx delivered, 4xx (and
//! timeouts, refused connections) retried, 5xx given up.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use nines_config::{Email, SmtpTls};
use nines_incident::Verdict;
use nines_store::OutboxRow;

/// How long one SMTP command may take.
const TIMEOUT: Duration = Duration::from_secs(10);

fn permanent(reason: String) -> Verdict {
    Verdict::Permanent { reason }
}

/// The `Message-ID` for an outbox key: the same key, the same id, so a
/// mail sent twice (at-least-once) is one conversation in mail clients.
pub fn message_id(key: &str) -> String {
    let local: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '.'
            }
        })
        .collect();
    format!("<{}@nines>", local.trim_matches('.'))
}

fn message(email: &Email, row: &OutboxRow) -> Result<Message, String> {
    let body: serde_json::Value =
        serde_json::from_str(&row.body).map_err(|e| format!("unreadable queued email: {e}"))?;
    let text = |k: &str| body[k].as_str().unwrap_or_default().to_string();
    let mailbox = |a: &str| {
        a.parse::<Mailbox>()
            .map_err(|e| format!("address `{a}`: {e}"))
    };
    let mut builder = Message::builder()
        .from(mailbox(&email.from)?)
        .subject(text("subject"))
        .message_id(Some(message_id(&row.key)));
    for to in &email.to {
        builder = builder.to(mailbox(to)?);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            text("text"),
            text("html"),
        ))
        .map_err(|e| format!("the email could not be built: {e}"))
}

fn transport(email: &Email) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let parameters = || {
        let mut b = TlsParameters::builder(email.host.clone());
        if let Some(path) = &email.ca_file {
            let pem =
                std::fs::read(path).map_err(|e| format!("ca_file {}: {e}", path.display()))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| format!("ca_file {}: {e}", path.display()))?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls().map_err(|e| format!("TLS setup: {e}"))
    };
    let tls = match email.tls {
        SmtpTls::Starttls => Tls::Required(parameters()?),
        SmtpTls::Implicit => Tls::Wrapper(parameters()?),
        SmtpTls::None => Tls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(email.host.clone())
        .port(email.port)
        .tls(tls)
        .timeout(Some(TIMEOUT));
    if let Some((user, password)) = &email.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// Sends one queued email and judges the outcome.
pub async fn send(email: &Email, row: &OutboxRow) -> Verdict {
    let message = match message(email, row) {
        Ok(m) => m,
        Err(e) => return permanent(e),
    };
    let transport = match transport(email) {
        Ok(t) => t,
        // A missing CA file may appear; keep trying until the horizon.
        Err(reason) => {
            return Verdict::Retry {
                after: None,
                reason,
            };
        }
    };
    match transport.send(message).await {
        Ok(_) => Verdict::Delivered,
        Err(e) if e.is_permanent() => permanent(format!("SMTP {e}")),
        Err(e) => Verdict::Retry {
            after: None,
            reason: format!("SMTP {e}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_stable_and_valid() {
        assert_eq!(
            message_id("INC-12:incident.triggered:1764000000000:mail"),
            "<INC-12.incident.triggered.1764000000000.mail@nines>"
        );
    }
}
