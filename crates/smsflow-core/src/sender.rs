//! Who a message comes from or goes to, as gateways name them: a phone number (E.164), a WhatsApp
//! address (`whatsapp:` + E.164), a short code, or an alphanumeric sender ID. Anything else (empty,
//! markup, NUL bytes, 10,000 characters) is refused before it is stored.

use std::fmt;

/// Longest alphanumeric sender ID carriers accept.
const ALPHANUMERIC_MAX: usize = 11;
/// Short codes are 3 to 8 digits, depending on the country.
const SHORT_CODE_DIGITS: std::ops::RangeInclusive<usize> = 3..=8;
const WHATSAPP_PREFIX: &str = "whatsapp:";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenderKind {
    /// `+` and 8 to 15 digits: can be answered by SMS.
    Phone,
    /// `whatsapp:+15550001111`: can be answered on WhatsApp (through Twilio).
    WhatsApp,
    /// `12345`: a service's number; it cannot receive a reply.
    ShortCode,
    /// `Alice`, `MyBank`: a name a business sends under; it cannot receive a reply.
    Alphanumeric,
}

impl SenderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SenderKind::Phone => "phone",
            SenderKind::WhatsApp => "whatsapp",
            SenderKind::ShortCode => "short_code",
            SenderKind::Alphanumeric => "alphanumeric",
        }
    }
}

/// A sender or recipient address that passed [`Sender::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    kind: SenderKind,
    address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderError {
    #[error("is empty: a gateway always names the sender")]
    Empty,
    #[error(
        "{0:?} is not a phone number (+ and country code, e.g. +15550001111), a whatsapp:+ number, a short code (3 to 8 digits) or an alphanumeric sender ID (up to 11 letters, digits and spaces, at least one letter)"
    )]
    Unrecognised(String),
}

impl Sender {
    /// Recognises an address; surrounding spaces are ignored.
    pub fn parse(text: &str) -> Result<Sender, SenderError> {
        let address = text.trim();
        if address.is_empty() {
            return Err(SenderError::Empty);
        }
        let kind = if crate::sms::is_e164(address) {
            SenderKind::Phone
        } else if address
            .strip_prefix(WHATSAPP_PREFIX)
            .is_some_and(crate::sms::is_e164)
        {
            SenderKind::WhatsApp
        } else if SHORT_CODE_DIGITS.contains(&address.len())
            && address.bytes().all(|b| b.is_ascii_digit())
        {
            SenderKind::ShortCode
        } else if address.len() <= ALPHANUMERIC_MAX
            && address
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b' ')
            && address.bytes().any(|b| b.is_ascii_alphabetic())
        {
            SenderKind::Alphanumeric
        } else {
            // Quote at most a little of it: the address may be 10,000 characters of junk.
            return Err(SenderError::Unrecognised(crate::text::shorten(address, 40)));
        };
        Ok(Sender {
            kind,
            address: address.to_string(),
        })
    }

    pub fn kind(&self) -> SenderKind {
        self.kind
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    pub fn into_string(self) -> String {
        self.address
    }

    /// Why no reply can go to this address, or `None` when one can (by SMS, or on WhatsApp when
    /// `whatsapp` says that channel is on).
    pub fn unanswerable(&self, whatsapp: bool) -> Option<&'static str> {
        match self.kind {
            SenderKind::Phone => None,
            SenderKind::WhatsApp if whatsapp => None,
            SenderKind::WhatsApp => {
                Some("a WhatsApp sender, and WhatsApp replies are off (twilio.whatsapp = false)")
            }
            SenderKind::ShortCode => Some("a short code, which cannot receive replies"),
            SenderKind::Alphanumeric => {
                Some("an alphanumeric sender ID, which cannot receive replies")
            }
        }
    }
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognised_senders() {
        let kind = |text: &str| Sender::parse(text).map(|s| s.kind());
        assert_eq!(kind("+15550001111"), Ok(SenderKind::Phone));
        assert_eq!(kind(" +15550001111 "), Ok(SenderKind::Phone));
        assert_eq!(kind("whatsapp:+15550001111"), Ok(SenderKind::WhatsApp));
        assert_eq!(kind("12345"), Ok(SenderKind::ShortCode));
        assert_eq!(kind("Alice"), Ok(SenderKind::Alphanumeric));
        assert_eq!(kind("My Bank 24"), Ok(SenderKind::Alphanumeric));
    }

    #[test]
    fn junk_is_refused() {
        assert_eq!(Sender::parse(""), Err(SenderError::Empty));
        assert_eq!(Sender::parse("  "), Err(SenderError::Empty));
        for junk in [
            "<script>alert(1)</script>",
            "+1555000111\0",
            "+1555000111\u{fffd}",
            "whatsapp:Alice",
            "whatsapp:",
            "12",
            "123456789",
            "15550001111",
            "ABCDEFGHIJKL",
            "Al-ice",
            "Ålice",
            "+05550001111",
        ] {
            assert!(
                matches!(Sender::parse(junk), Err(SenderError::Unrecognised(_))),
                "{junk:?}"
            );
        }
        let long = "1".repeat(10_002);
        let Err(error) = Sender::parse(&long) else {
            panic!("10,002 digits are no sender");
        };
        assert!(error.to_string().len() < 400, "{error}");
    }

    #[test]
    fn only_phones_and_enabled_whatsapp_are_answered() {
        let answerable = |text: &str, whatsapp| {
            Sender::parse(text)
                .unwrap()
                .unanswerable(whatsapp)
                .is_none()
        };
        assert!(answerable("+15550001111", false));
        assert!(answerable("whatsapp:+15550001111", true));
        assert!(!answerable("whatsapp:+15550001111", false));
        assert!(!answerable("12345", true));
        assert!(!answerable("Alice", true));
    }
}
