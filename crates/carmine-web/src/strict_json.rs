//! Request bodies are read strictly: where a type wants an object, only a JSON object
//! will do.
//!
//! serde's derived structs also accept a JSON array of their fields in order, so
//! `PATCH /boards/{id}` with `["renamed", "public"]` used to change a board as if the
//! fields had been named. Bodies are parsed into a `serde_json::Value` first, then read
//! through [`Strict`], a deserializer that refuses a sequence wherever a struct is
//! expected, at any depth; everything else behaves as serde_json's own.

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A JSON value read strictly (see the module header).
pub(crate) struct Strict<'a>(pub &'a Value);

type Fail = serde_json::Error;

impl<'de> Deserializer<'de> for Strict<'de> {
    type Error = Fail;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(StrictMap::new(map)),
            Value::Array(items) => visitor.visit_seq(StrictSeq(items.iter())),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Fail> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(StrictMap::new(map)),
            other => Err(de::Error::invalid_type(unexpected(other), &"a JSON object")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(StrictMap::new(map)),
            other => Err(de::Error::invalid_type(unexpected(other), &"a JSON object")),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(StrictSeq(items.iter())),
            other => other.deserialize_seq(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Fail> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Fail> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Fail> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct tuple tuple_struct identifier ignored_any
    }
}

fn unexpected(value: &Value) -> de::Unexpected<'_> {
    match value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(_) => de::Unexpected::Other("a number"),
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
    }
}

struct StrictSeq<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for StrictSeq<'de> {
    type Error = Fail;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Fail> {
        self.0.next().map(|v| seed.deserialize(Strict(v))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct StrictMap<'a> {
    entries: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'a> StrictMap<'a> {
    fn new(map: &'a Map<String, Value>) -> StrictMap<'a> {
        StrictMap { entries: map.iter(), value: None }
    }
}

impl<'de> MapAccess<'de> for StrictMap<'de> {
    type Error = Fail;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Fail> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(key.as_str().into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Fail> {
        let value = self.value.take().expect("next_value follows next_key");
        seed.deserialize(Strict(value))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Board {
        name: String,
        visibility: Option<String>,
        tags: Vec<Tag>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Tag {
        label: String,
    }

    fn read(text: &str) -> Result<Board, String> {
        let value: Value = serde_json::from_str(text).unwrap();
        Board::deserialize(Strict(&value)).map_err(|e| e.to_string())
    }

    #[test]
    fn objects_are_read_and_arrays_in_their_place_refused_at_any_depth() {
        let ok = read(r#"{"name": "x", "visibility": null, "tags": [{"label": "a"}]}"#).unwrap();
        assert_eq!(ok, Board { name: "x".into(), visibility: None, tags: vec![Tag { label: "a".into() }] });
        assert!(read(r#"["renamed", "public", []]"#).unwrap_err().contains("expected a JSON object"));
        assert!(read(r#"{"name": "x", "tags": [["a"]]}"#).unwrap_err().contains("expected a JSON object"));
        assert!(read(r#"{"name": "x", "tags": [], "extra": 1}"#).unwrap_err().contains("unknown field"));
        assert!(read(r#"{"tags": []}"#).unwrap_err().contains("missing field"));
    }
}
