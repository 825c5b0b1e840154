//! Short-lived copies of rows that nearly every request reads and that rarely change: the
//! session behind a cookie, an account, the list of regions. Each lookup saved is a statement
//! (a thread hand-off on SQLite, a round trip on PostgreSQL); see docs/PERFORMANCE.md.
//!
//! Changes made by this process evict at once. Changes made by another process (a second
//! server on the same PostgreSQL, an operator's command) show within `ttl`, which is why
//! every entry expires. A lookup that raced with an eviction does not store its answer: a
//! generation counter, bumped by every eviction, tells it that what it read may be stale.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) struct TtlCache<K, V> {
    inner: Mutex<Inner<K, V>>,
    ttl: Duration,
    capacity: usize,
}

struct Inner<K, V> {
    generation: u64,
    map: HashMap<K, (Instant, V)>,
}

/// What a lookup found: the value, or the generation to hand back to [`TtlCache::put`].
pub(crate) enum Lookup<V> {
    Hit(V),
    Miss(u64),
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            inner: Mutex::new(Inner {
                generation: 0,
                map: HashMap::new(),
            }),
            ttl,
            capacity,
        }
    }

    pub(crate) fn get(&self, key: &K) -> Lookup<V> {
        let mut inner = self.lock();
        match inner.map.get(key) {
            Some((at, v)) if at.elapsed() < self.ttl => Lookup::Hit(v.clone()),
            Some(_) => {
                inner.map.remove(key);
                Lookup::Miss(inner.generation)
            }
            None => Lookup::Miss(inner.generation),
        }
    }

    /// Stores what a lookup read, unless an eviction happened since the lookup began.
    pub(crate) fn put(&self, key: K, value: V, generation: u64) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.map.len() >= self.capacity {
            let ttl = self.ttl;
            inner.map.retain(|_, (at, _)| at.elapsed() < ttl);
            if inner.map.len() >= self.capacity {
                // Bounded memory beats a perfect hit rate: start over.
                inner.map.clear();
            }
        }
        inner.map.insert(key, (Instant::now(), value));
    }

    /// The cached value, else what `load` reads (stored unless an eviction came meanwhile).
    /// `load` runs only on a miss.
    pub(crate) async fn get_or_load<E>(
        &self,
        key: K,
        load: impl std::future::Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        let generation = match self.get(&key) {
            Lookup::Hit(v) => return Ok(v),
            Lookup::Miss(g) => g,
        };
        let v = load.await?;
        self.put(key, v.clone(), generation);
        Ok(v)
    }

    /// Updates an entry still present (keeping its age); a missing one stays missing.
    pub(crate) fn replace(&self, key: &K, value: V) {
        let mut inner = self.lock();
        if let Some(entry) = inner.map.get_mut(key) {
            entry.1 = value;
        }
    }

    pub(crate) fn evict(&self, key: &K) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.map.remove(key);
    }

    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.map.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // The map holds plain copies; a panic while it was locked cannot leave it half-changed
        // in a way that matters, so a poisoned lock is taken over.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(l: Lookup<i32>) -> Option<i32> {
        match l {
            Lookup::Hit(v) => Some(v),
            Lookup::Miss(_) => None,
        }
    }

    fn generation(l: Lookup<i32>) -> u64 {
        match l {
            Lookup::Hit(_) => panic!("expected a miss"),
            Lookup::Miss(g) => g,
        }
    }

    #[test]
    fn stores_and_returns() {
        let c = TtlCache::new(Duration::from_secs(60), 10);
        let g = generation(c.get(&"a"));
        c.put("a", 1, g);
        assert_eq!(hit(c.get(&"a")), Some(1));
        assert_eq!(hit(c.get(&"b")), None);
    }

    #[test]
    fn a_lookup_that_raced_an_eviction_stores_nothing() {
        let c = TtlCache::new(Duration::from_secs(60), 10);
        let g = generation(c.get(&"a"));
        c.evict(&"a");
        c.put("a", 1, g);
        assert_eq!(hit(c.get(&"a")), None);
        let g = generation(c.get(&"a"));
        c.clear();
        c.put("a", 1, g);
        assert_eq!(hit(c.get(&"a")), None);
    }

    #[test]
    fn entries_expire() {
        let c = TtlCache::new(Duration::from_millis(0), 10);
        let g = generation(c.get(&"a"));
        c.put("a", 1, g);
        assert_eq!(hit(c.get(&"a")), None);
    }

    #[test]
    fn stays_within_capacity() {
        let c = TtlCache::new(Duration::from_secs(60), 3);
        for i in 0..10 {
            let g = generation(c.get(&i));
            c.put(i, i, g);
            assert!(c.lock().map.len() <= 3);
        }
        assert_eq!(hit(c.get(&9)), Some(9));
    }
}
