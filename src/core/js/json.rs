//! Serde helpers for the JetStream wire format: fields the server may send
//! as `null`, RFC 3339 times, JSON objects kept in their order as key/value
//! lists, and the omit-when-unset rules of the requests.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Reads a field that the server writes as `null` when empty (Go's nil
/// slices and maps) as the type's default value.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An RFC 3339 time field carried as nanoseconds since the Unix epoch;
/// `null` and Go's zero time read as 0.
pub(crate) mod utc_time {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(nanos: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::core::js::time::format_rfc3339(*nanos))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(0),
            Some(text) => {
                crate::core::js::time::parse_rfc3339(&text).map_err(serde::de::Error::custom)
            }
        }
    }
}

/// A JSON object kept as an ordered list of key/value pairs, so that
/// metadata and subject counts come back in the server's order.
pub(crate) mod ordered_map {
    use super::*;

    pub(crate) fn serialize<S, V>(pairs: &[(String, V)], s: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
        V: Serialize,
    {
        let mut map = s.serialize_map(Some(pairs.len()))?;
        for (key, value) in pairs {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }

    struct PairsVisitor<V>(PhantomData<V>);

    impl<'de, V: DeserializeOwned> Visitor<'de> for PairsVisitor<V> {
        type Value = Vec<(String, V)>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object or null")
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut pairs = Vec::with_capacity(access.size_hint().unwrap_or(0));
            while let Some((key, value)) = access.next_entry::<String, V>()? {
                pairs.push((key, value));
            }
            Ok(pairs)
        }
    }

    pub(crate) fn deserialize<'de, D, V>(d: D) -> Result<Vec<(String, V)>, D::Error>
    where
        D: Deserializer<'de>,
        V: DeserializeOwned,
    {
        d.deserialize_option(PairsVisitor(PhantomData))
    }
}

/// Writes `None` as an empty string, for fields the server requires.
pub(crate) fn none_as_empty<S: Serializer>(
    value: &Option<String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(value.as_deref().unwrap_or(""))
}

pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}

pub(crate) fn is_zero_u64(value: &u64) -> bool {
    *value == 0
}

pub(crate) fn is_zero_i64(value: &i64) -> bool {
    *value == 0
}

pub(crate) fn is_not_positive(value: &i64) -> bool {
    *value <= 0
}

pub(crate) fn is_none_or_empty(value: &Option<String>) -> bool {
    non_empty(value).is_none()
}

/// Returns the string when it is set and not empty.
pub(crate) fn non_empty(value: &Option<String>) -> Option<&str> {
    // Matching on the option first keeps the generated code from testing
    // the length of a `None`: valgrind 3.19 reported the
    // `as_deref().filter(..)` form as a jump on uninitialised memory.
    match value {
        Some(s) if !s.is_empty() => Some(s.as_str()),
        _ => None,
    }
}
