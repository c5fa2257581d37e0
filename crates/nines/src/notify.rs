//! Notifications: the messages people get, the outbox that delivers them
//! with retries, the channels (SMTP among them) and one-click action links.

pub mod channels;
pub mod messages;
pub mod outbox;
pub mod smtp;
