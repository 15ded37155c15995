//! TLS and passwords through the real binary, against throwaway clusters
//! listening on 127.0.0.1 with certificates made by the `openssl` CLI:
//! sslmode require / verify-ca / verify-full mean what libpq means, and no
//! message ever shows a password.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::{assert_code, demo_project, stderr, stdout};
use touchpoint::pg::Throwaway;

const PASSWORD: &str = "S3cretPW-xyz";

/// A CA, a server certificate for `localhost` signed by it, and an
/// unrelated second CA.
struct Pki {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    other_ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI runs");
    assert!(
        o.status.success(),
        "openssl {args:?}: {}{}",
        stdout(&o),
        stderr(&o)
    );
}

/// The `postgres` user's uid and gid, when running as root.
fn postgres_ids() -> Option<(u32, u32)> {
    if !crate::support::is_root() {
        return None;
    }
    let passwd = fs::read_to_string("/etc/passwd").unwrap();
    let f: Vec<&str> = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == "postgres")
        .expect("a postgres user (the throwaway server runs as it)");
    Some((f[2].parse().unwrap(), f[3].parse().unwrap()))
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    for (name, cn) in [("ca", "touchpoint test CA"), ("other-ca", "unrelated CA")] {
        let (key, crt, subj) = (
            format!("{name}.key"),
            format!("{name}.crt"),
            format!("/CN={cn}"),
        );
        let mut args = vec!["req", "-x509", "-nodes", "-days", "2", "-subj", &subj];
        args.extend(ec);
        args.extend(["-keyout", &key, "-out", &crt]);
        openssl(d, &args);
    }
    let mut args = vec!["req", "-new", "-nodes", "-subj", "/CN=localhost"];
    args.extend(ec);
    args.extend(["-keyout", "server.key", "-out", "server.csr"]);
    openssl(d, &args);
    fs::write(
        d.join("server.ext"),
        "subjectAltName = DNS:localhost\n\
         basicConstraints = critical, CA:FALSE\n\
         keyUsage = critical, digitalSignature\n\
         extendedKeyUsage = serverAuth\n",
    )
    .unwrap();
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ],
    );
    let key = d.join("server.key");
    // The server (postgres, when tests run as root) reads the key and
    // refuses one that others can read.
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    if let Some((uid, gid)) = postgres_ids() {
        std::os::unix::fs::chown(&key, Some(uid), Some(gid)).unwrap();
    }
    for crt in ["ca.crt", "other-ca.crt", "server.crt"] {
        fs::set_permissions(d.join(crt), fs::Permissions::from_mode(0o644)).unwrap();
    }
    fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
    Pki {
        ca: d.join("ca.crt"),
        other_ca: d.join("other-ca.crt"),
        cert: d.join("server.crt"),
        key,
        _dir: dir,
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A cluster on 127.0.0.1:`port` with `extra` settings; retried on another
/// port should a parallel test have taken the one picked.
fn tcp_cluster(extra: &[(&str, String)]) -> (Throwaway, u16) {
    let mut last = None;
    for _ in 0..3 {
        let port = free_port();
        let port_text = port.to_string();
        let mut settings: Vec<(&str, &str)> = vec![
            ("listen_addresses", "'127.0.0.1'"),
            ("port", port_text.as_str()),
        ];
        settings.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
        match Throwaway::start_with(&settings) {
            Ok(pg) => return (pg, port),
            Err(e) => last = Some(e),
        }
    }
    panic!("no TCP cluster: {:#}", last.unwrap());
}

struct TlsServer {
    pg: Throwaway,
    port: u16,
    pki: Pki,
}

fn tls_server() -> TlsServer {
    let pki = pki();
    let quoted = |p: &Path| format!("'{}'", p.display());
    let (pg, port) = tcp_cluster(&[
        ("ssl", "on".to_string()),
        ("ssl_cert_file", quoted(&pki.cert)),
        ("ssl_key_file", quoted(&pki.key)),
    ]);
    TlsServer { pg, port, pki }
}

/// Runs the binary with `--database-url url` in the clean environment of
/// the tests, HOME an empty directory (so no ~/.postgresql/root.crt), plus
/// `env`.
fn run(dir: &Path, url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = crate::support::command(dir);
    cmd.args(args)
        .arg("--database-url")
        .arg(url)
        .env("HOME", home.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the xtask binary runs")
}

fn status(dir: &Path, url: &str) -> Output {
    run(dir, url, &["migration", "status", "--format", "json"], &[])
}

/// Succeeds and prints the JSON status of the 10 demo files.
fn assert_status_ok(o: &Output, what: &str) -> serde_json::Value {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{what}\nstdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(o)).unwrap_or_else(|e| {
        panic!(
            "{what}: status --format json prints JSON: {e}\n{}",
            stdout(o)
        )
    });
    assert!(
        json.to_string()
            .contains("2026-11-18_10_add_packet_decision_utn_workflow"),
        "{what}: {json}"
    );
    json
}

/// Fails to connect (exit 1), and says so.
fn assert_connect_fails(o: &Output, what: &str) -> String {
    assert_eq!(
        o.status.code(),
        Some(1),
        "{what}\nstdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
    let err = stderr(o);
    assert!(err.contains("cannot connect to"), "{what}: {err}");
    err
}

fn psql_tcp(port: u16, sslmode: &str, sql: &str) -> Output {
    Command::new("psql")
        .arg(format!(
            "postgresql://postgres@127.0.0.1:{port}/postgres?sslmode={sslmode}"
        ))
        .args(["-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("psql runs")
}

#[test]
fn sslmode_require_uses_tls_and_fails_against_a_server_without_it() {
    let tls = tls_server();
    let (plain, plain_port) = tcp_cluster(&[]);
    let dir = demo_project();
    let require = format!(
        "postgresql://postgres@localhost:{}/postgres?sslmode=require",
        tls.port
    );

    let o = run(dir.path(), &require, &["migration", "apply"], &[]);
    assert_code(&o, 0);
    assert_eq!(
        stdout(&o)
            .lines()
            .filter(|l| l.starts_with("applied 20"))
            .count(),
        10,
        "{}",
        stdout(&o)
    );

    // Let the TLS server accept encrypted TCP sessions only: require still
    // connects, disable is turned away, so require's session is encrypted.
    only_encrypted_sessions(&tls);
    assert_status_ok(&status(dir.path(), &require), "require, hostssl only");
    let prefer = format!("postgresql://postgres@localhost:{}/postgres", tls.port);
    assert_status_ok(
        &status(dir.path(), &prefer),
        "the default (prefer) upgrades to TLS when offered",
    );
    let err = assert_connect_fails(
        &status(dir.path(), &format!("{prefer}?sslmode=disable")),
        "disable on a hostssl-only server",
    );
    assert!(err.contains("no encryption"), "{err}");

    // A server without TLS: require refuses to go on in plain text.
    let plain_url = format!("postgresql://postgres@localhost:{plain_port}/postgres");
    let err = assert_connect_fails(
        &status(dir.path(), &format!("{plain_url}?sslmode=require")),
        "require on a server without TLS",
    );
    let lower = err.to_lowercase();
    assert!(
        lower.contains("tls") || lower.contains("ssl"),
        "the error says TLS is missing: {err}"
    );
    assert_status_ok(
        &status(dir.path(), &plain_url),
        "prefer falls back to plain text",
    );
    assert_status_ok(
        &status(dir.path(), &format!("{plain_url}?sslmode=disable")),
        "disable",
    );
    drop(plain);
}

#[test]
fn verify_full_checks_the_host_name_and_verify_ca_only_the_chain() {
    let tls = tls_server();
    let dir = demo_project();
    let port = tls.port;
    let ca = tls.pki.ca.display().to_string();
    let other = tls.pki.other_ca.display().to_string();
    let url =
        |host: &str, query: &str| format!("postgresql://postgres@{host}:{port}/postgres?{query}");

    let o = run(
        dir.path(),
        &url(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        ),
        &["migration", "apply"],
        &[],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("applied 10 migrations"),
        "{}",
        stdout(&o)
    );
    let json = assert_status_ok(
        &status(
            dir.path(),
            &url(
                "localhost",
                &format!("sslmode=verify-full&sslrootcert={ca}"),
            ),
        ),
        "verify-full, localhost",
    );
    assert!(
        json.to_string()
            .contains(&format!("postgresql://postgres@localhost:{port}/postgres")),
        "the target is shown: {json}"
    );

    let err = assert_connect_fails(
        &status(
            dir.path(),
            &url(
                "127.0.0.1",
                &format!("sslmode=verify-full&sslrootcert={ca}"),
            ),
        ),
        "verify-full, 127.0.0.1 (the certificate names localhost)",
    );
    let lower = err.to_lowercase();
    assert!(
        lower.contains("certificate") && lower.contains("name") && lower.contains("127.0.0.1"),
        "the error is about the certificate's name: {err}"
    );

    assert_status_ok(
        &status(
            dir.path(),
            &url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}")),
        ),
        "verify-ca checks the chain, not the name",
    );
    // libpq: require with a root certificate verifies the chain.
    assert_status_ok(
        &status(
            dir.path(),
            &url("127.0.0.1", &format!("sslmode=require&sslrootcert={ca}")),
        ),
        "require + sslrootcert of the right CA",
    );
    for (mode, host) in [
        ("verify-ca", "127.0.0.1"),
        ("verify-ca", "localhost"),
        ("verify-full", "localhost"),
        ("require", "localhost"),
    ] {
        let what = format!("{mode} to {host} with another CA's certificate");
        let err = assert_connect_fails(
            &status(
                dir.path(),
                &url(host, &format!("sslmode={mode}&sslrootcert={other}")),
            ),
            &what,
        );
        let lower = err.to_lowercase();
        assert!(
            lower.contains("certificate") && lower.contains("issuer"),
            "{what}: the error is about the certificate's issuer: {err}"
        );
    }

    // No sslrootcert and no ~/.postgresql/root.crt: bad input, named.
    for mode in ["verify-full", "verify-ca"] {
        let o = status(dir.path(), &url("localhost", &format!("sslmode={mode}")));
        assert_code(&o, 2);
        assert!(stderr(&o).contains("sslrootcert"), "{}", stderr(&o));
        assert!(stderr(&o).contains(mode), "{}", stderr(&o));
    }
    // ~/.postgresql/root.crt stands in for sslrootcert, as in libpq.
    let home = tempfile::tempdir().unwrap();
    fs::create_dir(home.path().join(".postgresql")).unwrap();
    fs::copy(&tls.pki.ca, home.path().join(".postgresql/root.crt")).unwrap();
    let home_text = home.path().display().to_string();
    let o = run(
        dir.path(),
        &url("localhost", "sslmode=verify-full"),
        &["migration", "status", "--format", "json"],
        &[("HOME", &home_text)],
    );
    assert_status_ok(&o, "verify-full with ~/.postgresql/root.crt");
    // The system's trust store does not know the test CA.
    let err = assert_connect_fails(
        &status(
            dir.path(),
            &url("localhost", "sslmode=verify-full&sslrootcert=system"),
        ),
        "verify-full against the system trust store",
    );
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // A sslrootcert that is not there is named.
    let o = status(
        dir.path(),
        &url(
            "localhost",
            "sslmode=verify-full&sslrootcert=/nonexistent/ca.crt",
        ),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("sslrootcert /nonexistent/ca.crt"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn keyword_strings_and_pg_variables_reach_verify_full() {
    let tls = tls_server();
    let dir = demo_project();
    let port = tls.port;
    let ca = tls.pki.ca.display().to_string();
    let keywords = format!(
        "host=localhost port={port} user=postgres dbname=postgres sslmode=verify-full sslrootcert={ca}"
    );
    let o = run(dir.path(), &keywords, &["migration", "apply"], &[]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("applied 10 migrations"),
        "{}",
        stdout(&o)
    );
    let json = assert_status_ok(&status(dir.path(), &keywords), "keyword string");
    assert!(
        json.to_string()
            .contains(&format!("postgresql://postgres@localhost:{port}/postgres")),
        "{json}"
    );
    // The same through PGSSLMODE / PGSSLROOTCERT / PGPORT.
    let port_text = port.to_string();
    let o = run(
        dir.path(),
        "host=localhost user=postgres dbname=postgres",
        &["migration", "status", "--format", "json"],
        &[
            ("PGPORT", &port_text),
            ("PGSSLMODE", "verify-full"),
            ("PGSSLROOTCERT", &ca),
        ],
    );
    assert_status_ok(&o, "PGSSLMODE=verify-full PGSSLROOTCERT");
    // ... and the keyword string still refuses the wrong name.
    let o = run(
        dir.path(),
        &keywords.replace("host=localhost", "host=127.0.0.1"),
        &["migration", "status", "--format", "json"],
        &[],
    );
    assert_connect_fails(&o, "keyword string, verify-full to 127.0.0.1");
}

fn assert_no_password(o: &Output, what: &str) {
    for (name, text) in [("stdout", stdout(o)), ("stderr", stderr(o))] {
        assert!(
            !text.contains("S3cretPW"),
            "{what}: {name} shows the password:\n{text}"
        );
    }
}

#[test]
fn passwords_are_never_printed() {
    let tls = tls_server();
    let dir = demo_project();
    let port = tls.port;

    // Trust authentication ignores the password; it still must not show.
    let url = format!("postgresql://postgres:{PASSWORD}@localhost:{port}/postgres?sslmode=require");
    let o = run(dir.path(), &url, &["migration", "apply"], &[]);
    assert_code(&o, 0);
    assert_no_password(&o, "apply with a password");
    let o = status(dir.path(), &url);
    let json = assert_status_ok(&o, "status with a password");
    assert_no_password(&o, "status --format json with a password");
    assert!(
        json.to_string()
            .contains(&format!("postgresql://postgres@localhost:{port}/postgres")),
        "the target is shown without its password: {json}"
    );

    // Nothing listens on this port.
    let closed = free_port();
    let o = status(
        dir.path(),
        &format!("postgresql://postgres:{PASSWORD}@localhost:{closed}/postgres?sslmode=require"),
    );
    let err = assert_connect_fails(&o, "closed port");
    assert!(
        err.contains(&format!(
            "postgresql://postgres@localhost:{closed}/postgres"
        )),
        "the target is named without its password: {err}"
    );
    assert_no_password(&o, "closed port");
    let o = run(
        dir.path(),
        &format!("postgresql://postgres:{PASSWORD}@localhost:{closed}/postgres"),
        &["migration", "apply"],
        &[],
    );
    assert_connect_fails(&o, "apply to a closed port");
    assert_no_password(&o, "apply to a closed port");

    // Bad input: exit 2, the parameter named, its neighbour's value not.
    let o = status(
        dir.path(),
        &format!("postgresql://postgres:{PASSWORD}@localhost:notaport/db"),
    );
    assert_code(&o, 2);
    assert!(stderr(&o).contains("port"), "{}", stderr(&o));
    assert_no_password(&o, "port notaport");
    let o = status(
        dir.path(),
        &format!("host=localhost password={PASSWORD} frobnicate={PASSWORD}"),
    );
    assert_code(&o, 2);
    assert!(stderr(&o).contains("frobnicate"), "{}", stderr(&o));
    assert_no_password(&o, "unknown keyword");

    // PGPASSWORD with a keyword string.
    let o = run(
        dir.path(),
        &format!("host=localhost port={closed} user=postgres dbname=postgres"),
        &["migration", "status", "--format", "json"],
        &[("PGPASSWORD", PASSWORD)],
    );
    assert_connect_fails(&o, "PGPASSWORD, closed port");
    assert_no_password(&o, "PGPASSWORD, closed port");

    // DATABASE_URL in the environment: --help does not echo it, and errors
    // built from it do not either.
    let secret_url = format!("postgresql://deploy:{PASSWORD}@localhost:{closed}/app");
    for args in [
        &["migration", "apply", "--help"][..],
        &["migration", "status", "--help"][..],
    ] {
        let o = crate::support::command(dir.path())
            .args(args)
            .env("DATABASE_URL", &secret_url)
            .output()
            .unwrap();
        assert_code(&o, 0);
        assert!(stdout(&o).contains("DATABASE_URL"), "{}", stdout(&o));
        assert_no_password(&o, &format!("{args:?} with DATABASE_URL set"));
    }
    let o = crate::support::command(dir.path())
        .args(["migration", "status"])
        .env("DATABASE_URL", &secret_url)
        .output()
        .unwrap();
    let err = assert_connect_fails(&o, "DATABASE_URL to a closed port");
    assert!(
        err.contains(&format!("postgresql://deploy@localhost:{closed}/app")),
        "{err}"
    );
    assert_no_password(&o, "DATABASE_URL to a closed port");
}

/// `hostaddr` without `host`: libpq connects over TCP to the address, and
/// sslmode applies as for any TCP connection.
#[test]
fn hostaddr_without_host_still_honours_sslmode() {
    let tls = tls_server();
    let (plain, plain_port) = tcp_cluster(&[]);
    let dir = demo_project();
    let ca = tls.pki.ca.display().to_string();
    only_encrypted_sessions(&tls);

    // With host as well: the name is checked against host, TCP goes to hostaddr.
    let both = format!(
        "host=localhost hostaddr=127.0.0.1 port={} user=postgres dbname=postgres sslmode=verify-full sslrootcert={ca}",
        tls.port
    );
    assert_status_ok(&status(dir.path(), &both), "host + hostaddr, verify-full");

    // A server without TLS: require must refuse plain text.
    let o = status(
        dir.path(),
        &format!(
            "hostaddr=127.0.0.1 port={plain_port} user=postgres dbname=postgres sslmode=require"
        ),
    );
    let err = assert_connect_fails(&o, "hostaddr only, sslmode=require, server without TLS");
    assert!(err.to_lowercase().contains("tls"), "{err}");
    // A server that takes encrypted sessions only.
    let o = status(
        dir.path(),
        &format!(
            "hostaddr=127.0.0.1 port={} user=postgres dbname=postgres sslmode=require",
            tls.port
        ),
    );
    assert_status_ok(&o, "hostaddr only, sslmode=require, hostssl-only server");
    drop(plain);
}

/// Rewrites pg_hba.conf so that TCP sessions must be encrypted, and waits
/// until a plain-text session is refused.
fn only_encrypted_sessions(tls: &TlsServer) {
    set_hba(
        tls,
        "local all all trust\n\
         hostssl all all 127.0.0.1/32 trust\n\
         hostnossl all all 127.0.0.1/32 reject\n",
        "disable",
    );
}

/// Writes pg_hba.conf, reloads, and waits until a trust session with
/// `probe_sslmode` is refused.
fn set_hba(tls: &TlsServer, hba: &str, probe_sslmode: &str) {
    fs::write(tls.pg.cluster().data.join("pg_hba.conf"), hba).unwrap();
    let o = psql_tcp(tls.port, "require", "SELECT pg_reload_conf()");
    assert!(o.status.success(), "{}", stderr(&o));
    let start = Instant::now();
    while psql_tcp(tls.port, probe_sslmode, "SELECT 1")
        .status
        .success()
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "pg_hba.conf reloaded"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// With password authentication on, the password is really sent (from the
/// URL, the keyword string or PGPASSWORD), and a wrong one is not shown.
#[test]
fn passwords_authenticate_and_are_never_printed() {
    let tls = tls_server();
    let dir = demo_project();
    let port = tls.port;
    let o = psql_tcp(
        port,
        "require",
        &format!("ALTER USER postgres PASSWORD '{PASSWORD}'"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    set_hba(
        &tls,
        "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n",
        "require",
    );

    let good =
        format!("postgresql://postgres:{PASSWORD}@localhost:{port}/postgres?sslmode=require");
    let o = run(dir.path(), &good, &["migration", "apply"], &[]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("applied 10 migrations"),
        "{}",
        stdout(&o)
    );
    assert_no_password(&o, "apply with the right password");

    let wrong = good.replace(PASSWORD, "S3cretPW-wrong");
    let o = status(dir.path(), &wrong);
    let err = assert_connect_fails(&o, "wrong password");
    assert!(err.contains("password authentication failed"), "{err}");
    assert_no_password(&o, "wrong password");

    let o = status(
        dir.path(),
        &format!("postgresql://postgres@localhost:{port}/postgres?sslmode=require"),
    );
    assert_connect_fails(&o, "no password");
    assert_no_password(&o, "no password");

    let keywords =
        format!("host=localhost port={port} user=postgres dbname=postgres sslmode=require");
    let o = run(
        dir.path(),
        &keywords,
        &["migration", "status", "--format", "json"],
        &[("PGPASSWORD", PASSWORD)],
    );
    assert_status_ok(&o, "PGPASSWORD");
    assert_no_password(&o, "PGPASSWORD");
    let o = status(dir.path(), &format!("{keywords} password='{PASSWORD}'"));
    assert_status_ok(&o, "password= in a keyword string");
    assert_no_password(&o, "password= in a keyword string");
    let o = run(
        dir.path(),
        &keywords,
        &["migration", "status", "--format", "json"],
        &[("PGPASSWORD", "S3cretPW-wrong")],
    );
    assert_connect_fails(&o, "wrong PGPASSWORD");
    assert_no_password(&o, "wrong PGPASSWORD");
}
