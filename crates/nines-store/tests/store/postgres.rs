//! What only the PostgreSQL backend has: replicas starting at once on one
//! database, migrations recorded in the database, the lease moving between
//! replicas with a growing epoch, TLS that verifies the server, and errors
//! that name the database without its password.

use std::sync::Barrier;

use nines_store::{Lease, PostgresStore, StoreError};
use nines_testkit::postgres::{Postgres, available};

/// Runs `sql` on the cluster directly, and answers the first column of
/// the first row, if any.
fn sql(pg: &Postgres, sql: &str) -> Option<i64> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(&pg.url(), tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let rows = client.query(sql, &[]).await.unwrap();
        rows.first().map(|r| r.get(0))
    })
}

#[test]
fn replicas_starting_at_once_migrate_once() {
    if !available() {
        return;
    }
    let pg = Postgres::start();
    let url = pg.url();
    let barrier = Barrier::new(4);
    let opened: Vec<Result<PostgresStore, StoreError>> = std::thread::scope(|s| {
        let starts: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    PostgresStore::open(&url)
                })
            })
            .collect();
        starts.into_iter().map(|t| t.join().unwrap()).collect()
    });
    for o in &opened {
        assert!(o.is_ok(), "{:?}\n{}", o.as_ref().err(), pg.log());
    }
    let applied = sql(&pg, "SELECT count(*) FROM schema_migrations").unwrap();
    let newest = sql(&pg, "SELECT max(version) FROM schema_migrations").unwrap();
    assert!(applied >= 1);
    assert_eq!(applied, newest, "each migration recorded once");
}

#[test]
fn a_database_from_a_newer_nines_is_refused() {
    if !available() {
        return;
    }
    let pg = Postgres::start();
    drop(PostgresStore::open(&pg.url()).unwrap());
    sql(&pg, "INSERT INTO schema_migrations (version) VALUES (99)");
    let err = PostgresStore::open(&pg.url()).err().unwrap().to_string();
    assert!(err.contains("newer nines (schema 99"), "{err}");
}

#[test]
fn the_lease_moves_only_when_it_runs_out_and_the_epoch_grows() {
    if !available() {
        return;
    }
    let pg = Postgres::start();
    let mut a = PostgresStore::open(&pg.url()).unwrap();
    let mut b = PostgresStore::open(&pg.url()).unwrap();
    let first = a.try_lead("a", 1_000, 10_000).unwrap().unwrap();
    assert_eq!(first.until_ms, 11_000);
    assert_eq!(b.try_lead("b", 2_000, 10_000).unwrap(), None, "a leads");
    let renewed = a.try_lead("a", 5_000, 10_000).unwrap().unwrap();
    assert_eq!((renewed.epoch, renewed.until_ms), (first.epoch, 15_000));
    assert_eq!(
        b.try_lead("b", 15_000, 10_000).unwrap(),
        None,
        "not yet run out"
    );
    let taken = b.try_lead("b", 15_001, 10_000).unwrap().unwrap();
    assert!(taken.epoch > first.epoch, "a new holder, a new epoch");
    assert_eq!(a.try_lead("a", 15_002, 10_000).unwrap(), None, "a lost it");
    b.release("b").unwrap();
    a.release("a").unwrap(); // not held: nothing happens
    let back = a.try_lead("a", 15_003, 10_000).unwrap().unwrap();
    assert!(back.epoch > taken.epoch, "released, taken at once, bumped");
}

#[test]
fn errors_name_the_database_and_never_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "postgresql://nines:hunter2@/shop?host={}",
        dir.path().display()
    );
    let err = PostgresStore::open(&url).err().unwrap();
    let text = format!("{err} {err:?}");
    assert!(text.contains("/shop"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

/// A CA (`ca.pem`) and a certificate it issued for 127.0.0.1 and
/// localhost (`server.crt`, `server.key`), in `dir`.
fn ca_and_server(dir: &std::path::Path) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "nines test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    let issuer = Issuer::new(ca, &ca_key);
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    std::fs::write(dir.join("server.crt"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
}

#[test]
fn tls_to_the_database_verifies_the_server() {
    if !available() {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    ca_and_server(certs.path());
    let (pg, port) = Postgres::start_tls(
        &certs.path().join("server.crt"),
        &certs.path().join("server.key"),
    );
    let base = format!("postgresql://nines@127.0.0.1:{port}/postgres?sslmode=require");
    // Trusting the CA: TLS (require refuses plain text) and a write.
    let ca = certs.path().join("ca.pem");
    let mut store = PostgresStore::open(&format!("{base}&sslrootcert={}", ca.display()))
        .unwrap_or_else(|e| panic!("{e}\n{}", pg.log()));
    let lead = store.try_lead("a", 1_000, 10_000).unwrap();
    assert!(lead.is_some());
    // The system's roots do not know the CA: refused, not trusted anyway.
    let err = PostgresStore::open(&base).err().unwrap();
    let chain = format!("{err}: {:?}", std::error::Error::source(&err));
    assert!(
        chain.contains("TLS") && chain.contains("127.0.0.1:"),
        "{chain}"
    );
    // A CA file that is not one is named.
    let wrong = certs.path().join("server.key");
    let err = PostgresStore::open(&format!("{base}&sslrootcert={}", wrong.display()))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("sslrootcert"), "{err}");
}
