//! Two-letter country codes (ISO 3166-1 alpha-2, as GeoIP databases give them) and
//! the per-country PoW surcharge from `POW_COUNTRY_EXTRA_BITS`.
use std::{collections::HashMap, fmt, str::FromStr};

/// An uppercase two-letter country code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Exactly two ASCII letters, either case.
    pub fn parse(s: &str) -> Option<Self> {
        match s.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Some(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        // Always two ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Read from the database as text (`listings.country` is `char(2)` with a check that
/// it is two uppercase letters; queries select it as `country::text`). A value that is
/// not a code is a decode error, not a listing with a made-up country.
impl sqlx::Type<sqlx::Postgres> for CountryCode {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <&str as sqlx::Type<sqlx::Postgres>>::type_info()
    }

    fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for CountryCode {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let s = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
        Self::parse(s).ok_or_else(|| format!("not a two-letter country code: {s:?}").into())
    }
}

impl serde::Serialize for CountryCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `XX=2,YY=1.5`: extra difficulty bits for listings from these countries.
#[derive(Clone, Debug, Default)]
pub struct CountryExtraBits(HashMap<CountryCode, f64>);

impl CountryExtraBits {
    pub fn bits_for(&self, country: Option<CountryCode>) -> f64 {
        country.and_then(|c| self.0.get(&c).copied()).unwrap_or(0.0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for CountryExtraBits {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut map = HashMap::new();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (code, bits) = item
                .split_once('=')
                .ok_or_else(|| format!("expected CC=bits, got {item:?}"))?;
            let code = CountryCode::parse(code.trim())
                .ok_or_else(|| format!("not a two-letter country code: {code:?}"))?;
            let bits: f64 = bits
                .trim()
                .parse()
                .map_err(|_| format!("not a number of bits: {bits:?}"))?;
            if !(bits.is_finite() && (0.0..=32.0).contains(&bits)) {
                return Err(format!("extra bits for {code} must be within 0..=32"));
            }
            map.insert(code, bits);
        }
        Ok(Self(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_two_letters_uppercased() {
        assert_eq!(CountryCode::parse("de").unwrap().as_str(), "DE");
        for bad in ["", "D", "DEU", "D1", "é", "  "] {
            assert!(CountryCode::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn extra_bits_parse_and_reject() {
        let bits: CountryExtraBits = "XX=2, yy=1.5".parse().unwrap();
        assert_eq!(bits.bits_for(CountryCode::parse("XX")), 2.0);
        assert_eq!(bits.bits_for(CountryCode::parse("YY")), 1.5);
        assert_eq!(bits.bits_for(CountryCode::parse("ZZ")), 0.0);
        assert_eq!(bits.bits_for(None), 0.0);
        assert!("".parse::<CountryExtraBits>().unwrap().is_empty());
        for bad in ["XX", "XXX=1", "XX=-1", "XX=abc", "XX=99"] {
            assert!(bad.parse::<CountryExtraBits>().is_err(), "{bad:?}");
        }
    }
}
