//! Reading JSON the one way this server reads it: a document that names a key twice
//! in one object is refused, at any depth. serde_json keeps the last of two equal
//! keys when it builds a `Value` (its map is a plain insert), and only a derived
//! struct read straight from the text notices a repeated field of its own: the
//! body was once read that way and refused `{"body":"a","body":"b"}`; since it goes
//! through a `Value` (to check it is an object), it took "b". serde_json has no
//! option for this, so the `Value` is built here by a visitor of our own, which
//! refuses a key it has already seen.
use std::{cell::RefCell, collections::HashSet, fmt};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a document was refused, in our words (never serde's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    #[error("not valid JSON (line {line}, column {column})")]
    Syntax { line: usize, column: usize },
    #[error("the key {key:?} appears twice in one object (line {line}, column {column})")]
    DuplicateKey {
        key: String,
        line: usize,
        column: usize,
    },
}

/// Parses `text` into a `Value`, refusing repeated keys.
pub fn from_slice(text: &[u8]) -> Result<Value, JsonError> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(text);
    let parsed = StrictValue {
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| match duplicate.into_inner() {
        Some(key) => JsonError::DuplicateKey {
            key,
            line: e.line(),
            column: e.column(),
        },
        None => JsonError::Syntax {
            line: e.line(),
            column: e.column(),
        },
    })
}

/// Builds a `Value`; records the first repeated key it meets.
#[derive(Clone, Copy)]
struct StrictValue<'a> {
    duplicate: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                *self.duplicate.borrow_mut() = Some(key);
                return Err(de::Error::custom("duplicate key"));
            }
            let value = map.next_value_seed(self)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_repeated_key_is_refused_at_any_depth() {
        for text in [
            r#"{"body":"first","body":"second"}"#,
            r#"{"a":{"x":1,"x":1}}"#,
            r#"[{"k":[],"k":[]}]"#,
        ] {
            assert!(
                matches!(
                    from_slice(text.as_bytes()),
                    Err(JsonError::DuplicateKey { .. })
                ),
                "{text}"
            );
        }
        let e = from_slice(br#"{"body":"a","body":"b"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"the key "body" appears twice in one object (line 1, column 18)"#
        );
    }

    #[test]
    fn everything_else_reads_as_serde_json_reads_it() {
        for text in [
            r#"{"body":"x","b":[1,-2,3.5,true,null,{"body":"y"}],"u":"\u00e9"}"#,
            "[]",
            "5",
            "null",
            r#""text""#,
            "18446744073709551615",
        ] {
            let strict = from_slice(text.as_bytes()).unwrap();
            let plain: Value = serde_json::from_str(text).unwrap();
            assert_eq!(strict, plain, "{text}");
        }
        assert_eq!(from_slice(b"{\"a\":1}").unwrap(), json!({"a": 1}));
        for bad in ["", "{", r#"{"a":1} x"#, "{'a':1}", r#"{"a":1,}"#] {
            assert!(
                matches!(from_slice(bad.as_bytes()), Err(JsonError::Syntax { .. })),
                "{bad:?}"
            );
        }
    }
}
