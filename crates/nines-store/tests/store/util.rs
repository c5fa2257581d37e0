//! Backend factories and shared builders.

use nines_slo::Counts;
use nines_store::{Backend, Durability, EventLog, EventRecord, PostgresStore, Store};

/// A database of one backend for one test.
pub trait TestDb {
    type Store: Backend;
    /// A new, empty database.
    fn new() -> Self;
    /// A handle on it; opened after the previous handles are dropped, a
    /// restart.
    fn open(&self) -> Self::Store;
    /// Another handle while `first` is open: another connection (or, for a
    /// shared backend, another replica).
    fn another(&self, first: &Self::Store) -> Self::Store;
}

/// SQLite in a temporary data directory.
pub struct Sqlite {
    pub dir: tempfile::TempDir,
}

impl TestDb for Sqlite {
    type Store = Store;

    fn new() -> Self {
        Sqlite {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn open(&self) -> Store {
        Store::open(self.dir.path(), Durability::Process).unwrap()
    }

    fn another(&self, first: &Store) -> Store {
        first.try_clone().unwrap()
    }
}

/// PostgreSQL: a throwaway cluster of its own (nines_testkit::postgres).
pub struct Postgres {
    pub cluster: nines_testkit::postgres::Postgres,
}

impl TestDb for Postgres {
    type Store = PostgresStore;

    fn new() -> Self {
        Postgres {
            cluster: nines_testkit::postgres::Postgres::start(),
        }
    }

    fn open(&self) -> PostgresStore {
        PostgresStore::open(&self.cluster.url())
            .unwrap_or_else(|e| panic!("{e}\n{}", self.cluster.log()))
    }

    /// Another pool on the database: as another replica would connect.
    fn another(&self, _first: &PostgresStore) -> PostgresStore {
        self.open()
    }
}

/// `backends!(test_a, test_b)` runs each generic test function once per
/// backend, as `<backend>::<test>`. Without PostgreSQL's server the
/// `postgres::` ones fail under CI and say SKIPPED otherwise.
macro_rules! backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $test() {
                    super::$test::<crate::util::Sqlite>();
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $test() {
                    if nines_testkit::postgres::available() {
                        super::$test::<crate::util::Postgres>();
                    }
                }
            )*
        }
    };
}
pub(crate) use backends;

pub fn ev(slo_id: i64, minute: i64, good: u64, total: u64) -> EventRecord {
    EventRecord {
        slo_id,
        minute,
        counts: Counts::new(good, total),
    }
}

/// The id of SLO `s/o`, created if needed.
pub fn slo(store: &mut impl EventLog) -> i64 {
    store.slo_ids(&[("s".into(), "o".into())]).unwrap()[&("s".to_string(), "o".to_string())]
}
