//! Bounded per-instance maps for facts that, once read or computed, stay true (immutable
//! columns, a verified certificate chain, a decrypted key). Whatever can change (status,
//! balances, revocation) is never taken from here unless the same request's write checks it
//! again in the database (the session cache). Each map holds at most its limit; to make
//! room an arbitrary entry is dropped. `Debug` shows only the size, so a map of secrets is safe
//! to print.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

/// A size-bounded, thread-safe map.
pub(crate) struct BoundedMap<K, V> {
    limit: usize,
    entries: Mutex<HashMap<K, V>>,
}

impl<K, V> std::fmt::Debug for BoundedMap<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.entries.lock().map_or(0, |entries| entries.len());
        f.debug_struct("BoundedMap")
            .field("len", &len)
            .field("limit", &self.limit)
            .finish()
    }
}

impl<K: Eq + Hash + Clone, V: Clone> BoundedMap<K, V> {
    /// An empty map holding at most `limit` entries (at least one).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value of `key`, if present and `keep` accepts it.
    pub(crate) fn get_if<Q>(&self, key: &Q, keep: impl FnOnce(&V) -> bool) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.get(key).filter(|v| keep(v)).cloned()
    }

    /// The value of `key`, if present.
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get_if(key, |_| true)
    }

    /// Forgets `key`.
    pub(crate) fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.remove(key);
    }

    /// Sets `key` to `value`, dropping an arbitrary other entry when the map is full.
    pub(crate) fn insert(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.limit
            && !entries.contains_key(&key)
            && let Some(victim) = entries.keys().next().cloned()
        {
            entries.remove(&victim);
        }
        entries.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bounded_and_filtered() {
        let map = BoundedMap::new(2);
        map.insert("a".to_owned(), 1);
        map.insert("b".to_owned(), 2);
        map.insert("b".to_owned(), 3); // replacing needs no room
        assert_eq!((map.get("a"), map.get("b")), (Some(1), Some(3)));
        map.insert("c".to_owned(), 4);
        let present = ["a", "b", "c"]
            .iter()
            .filter(|k| map.get(**k).is_some())
            .count();
        assert_eq!(present, 2, "one entry made room");
        assert_eq!(map.get("c"), Some(4));
        assert_eq!(map.get_if("c", |v| *v == 5), None);
        assert_eq!(map.get_if("c", |v| *v == 4), Some(4));
        map.remove("c");
        assert_eq!(map.get("c"), None);
        assert_eq!(format!("{map:?}"), "BoundedMap { len: 1, limit: 2 }");
    }
}
