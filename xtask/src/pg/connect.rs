//! Which database a command talks to, and connecting to it.
//!
//! `--database-url`, else `DATABASE_URL`, else the embedded cluster (started
//! on demand). Connection strings are libpq's: URLs
//! (`postgresql://user:pw@host:5432/db?sslmode=verify-full`) and keyword
//! strings (`host=/run/postgresql dbname=app`), completed by the PG*
//! environment variables. They are parsed here rather than by tokio-postgres
//! because it knows neither `verify-ca` / `verify-full` / `sslrootcert` nor
//! the environment variables.
//!
//! **Architecture Invariant:** the password never reaches a message. People
//! only ever see [`Database::display`], built without it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::{Client, Config, NoTls};

use crate::outcome::BadInput;
use crate::pg::cluster::{Cluster, ClusterState};

/// libpq's sslmode, as far as touchpoint supports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ssl {
    Disable,
    /// TLS when the server offers it, without certificate checks (libpq's default).
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Ssl {
    fn parse(value: &str) -> Result<Ssl> {
        Ok(match value {
            "disable" => Ssl::Disable,
            "prefer" => Ssl::Prefer,
            "require" => Ssl::Require,
            "verify-ca" => Ssl::VerifyCa,
            "verify-full" => Ssl::VerifyFull,
            "allow" => bail!(BadInput(
                "sslmode=allow (plain text first, TLS as a fallback) is not supported: use prefer, require, verify-ca or verify-full".into()
            )),
            other => bail!(BadInput(format!(
                "unknown sslmode `{other}`: use disable, prefer, require, verify-ca or verify-full"
            ))),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Database {
    config: Config,
    ssl: Ssl,
    root_cert: Option<PathBuf>,
    /// What people see: the target without its password.
    display: String,
    pub embedded: bool,
}

/// Keys touchpoint accepts in a connection string.
const KEYS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "user",
    "password",
    "dbname",
    "sslmode",
    "sslrootcert",
    "application_name",
    "options",
    "connect_timeout",
    "target_session_attrs",
];

/// Environment variables that fill keys the string leaves out.
const ENV: &[(&str, &str)] = &[
    ("PGHOST", "host"),
    ("PGHOSTADDR", "hostaddr"),
    ("PGPORT", "port"),
    ("PGUSER", "user"),
    ("PGPASSWORD", "password"),
    ("PGDATABASE", "dbname"),
    ("PGSSLMODE", "sslmode"),
    ("PGSSLROOTCERT", "sslrootcert"),
    ("PGAPPNAME", "application_name"),
    ("PGOPTIONS", "options"),
    ("PGCONNECT_TIMEOUT", "connect_timeout"),
];

impl Database {
    /// `url` from --database-url / DATABASE_URL, else the embedded cluster.
    pub fn resolve(url: Option<&str>, project_root: &std::path::Path) -> Result<Database> {
        match url {
            Some(url) => Database::from_conninfo(url, |k| std::env::var(k).ok()),
            None => Database::embedded(Cluster::embedded(project_root)?),
        }
    }

    /// The project's embedded cluster, started on demand.
    pub fn embedded(cluster: Cluster) -> Result<Database> {
        if cluster.state() != ClusterState::Running {
            eprintln!(
                "starting the embedded PostgreSQL {} (no --database-url or DATABASE_URL given)",
                cluster.bin.major
            );
            cluster.start()?;
        }
        let mut db = Database::from_conninfo(&cluster.url(), |_| None)?;
        db.embedded = true;
        db.display = format!("the embedded PostgreSQL ({})", cluster.socket_dir.display());
        Ok(db)
    }

    /// Parses a URL or keyword string; `env` supplies PG* variables.
    pub fn from_conninfo(conninfo: &str, env: impl Fn(&str) -> Option<String>) -> Result<Database> {
        let mut params = parse_conninfo(conninfo)?;
        for (var, key) in ENV {
            if !params.contains_key(*key) {
                if let Some(v) = env(var) {
                    params.insert(key.to_string(), v);
                }
            }
        }
        let mut config = Config::new();
        // Without `host`, libpq connects to `hostaddr` over TCP (TLS and
        // certificate checks then use the address), else to the default
        // socket directory.
        let hosts: Vec<String> = params
            .get("host")
            .or_else(|| params.get("hostaddr"))
            .map(|h| h.split(',').map(str::to_string).collect())
            .unwrap_or_else(|| vec!["/var/run/postgresql".to_string()]);
        for h in &hosts {
            config.host(h);
        }
        if let Some(addrs) = params.get("hostaddr") {
            for a in addrs.split(',') {
                let ip = a
                    .parse()
                    .map_err(|_| BadInput(format!("hostaddr `{a}` is not an IP address")))?;
                config.hostaddr(ip);
            }
        }
        if let Some(ports) = params.get("port") {
            for p in ports.split(',') {
                let port: u16 = p
                    .parse()
                    .map_err(|_| BadInput(format!("port `{p}` is not a port number")))?;
                config.port(port);
            }
        }
        let user = params
            .get("user")
            .cloned()
            .unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "postgres".to_string()));
        config.user(&user);
        if let Some(p) = params.get("password") {
            config.password(p);
        }
        let dbname = params
            .get("dbname")
            .cloned()
            .unwrap_or_else(|| user.clone());
        config.dbname(&dbname);
        if let Some(a) = params.get("application_name") {
            config.application_name(a);
        }
        if let Some(o) = params.get("options") {
            config.options(o);
        }
        let timeout = match params.get("connect_timeout") {
            Some(t) => t.parse::<u64>().map_err(|_| {
                BadInput(format!("connect_timeout `{t}` is not a number of seconds"))
            })?,
            None => 10,
        };
        config.connect_timeout(Duration::from_secs(timeout.max(2)));
        if let Some(t) = params.get("target_session_attrs") {
            config.target_session_attrs(match t.as_str() {
                "any" => tokio_postgres::config::TargetSessionAttrs::Any,
                "read-write" => tokio_postgres::config::TargetSessionAttrs::ReadWrite,
                other => bail!(BadInput(format!(
                    "target_session_attrs `{other}` is not supported: use any or read-write"
                ))),
            });
        }
        let ssl = Ssl::parse(params.get("sslmode").map_or("prefer", String::as_str))?;
        let root_cert = params.get("sslrootcert").map(PathBuf::from).or_else(|| {
            let home = std::env::var_os("HOME")?;
            let default = PathBuf::from(home).join(".postgresql/root.crt");
            default.is_file().then_some(default)
        });
        if matches!(ssl, Ssl::VerifyCa | Ssl::VerifyFull) && root_cert.is_none() {
            bail!(BadInput(format!(
                "sslmode={} needs the certificate authority that signed the server's certificate: give sslrootcert=/path/to/ca.crt (or PGSSLROOTCERT), or sslrootcert=system for the system's trust store",
                if ssl == Ssl::VerifyCa { "verify-ca" } else { "verify-full" }
            )));
        }
        let unix = hosts
            .iter()
            .all(|h| h.starts_with('/') || h.starts_with('@'));
        let shown_hosts = hosts.join(",");
        let port_text = params
            .get("port")
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        let display = if unix {
            format!(
                "postgresql://{user}@/{dbname}?host={shown_hosts}{}",
                params
                    .get("port")
                    .map(|p| format!("&port={p}"))
                    .unwrap_or_default()
            )
        } else {
            format!("postgresql://{user}@{shown_hosts}{port_text}/{dbname}")
        };
        Ok(Database {
            config,
            ssl,
            root_cert,
            display,
            embedded: false,
        })
    }

    /// The same server, another database (for shadow databases).
    pub fn with_dbname(&self, dbname: &str) -> Database {
        let mut db = self.clone();
        db.config.dbname(dbname);
        let (head, _) = db.display.split_once('?').unwrap_or((&db.display, ""));
        let query = self
            .display
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        let base = head.rsplit_once('/').map_or(head, |(b, _)| b);
        db.display = if db.embedded {
            format!("{} database {dbname}", self.display)
        } else {
            format!("{base}/{dbname}{query}")
        };
        db
    }

    /// A libpq keyword string for client tools (pg_dump, psql) and the
    /// password to hand them through `PGPASSWORD`, never on a command line.
    pub fn for_tools(&self) -> (String, Option<String>) {
        fn value(v: &str) -> String {
            format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
        }
        let mut parts = Vec::new();
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|h| match h {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.to_string_lossy().into_owned(),
            })
            .collect();
        if !hosts.is_empty() {
            parts.push(format!("host={}", value(&hosts.join(","))));
        }
        let ports: Vec<String> = self.config.get_ports().iter().map(u16::to_string).collect();
        if !ports.is_empty() {
            parts.push(format!("port={}", ports.join(",")));
        }
        if let Some(user) = self.config.get_user() {
            parts.push(format!("user={}", value(user)));
        }
        if let Some(db) = self.config.get_dbname() {
            parts.push(format!("dbname={}", value(db)));
        }
        let password = self
            .config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned());
        (parts.join(" "), password)
    }

    /// The target as people may see it: never with its password.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// Which database this is, whatever the spelling of the URL: the hosts
    /// (lower-cased) and ports and the database name. Two targets with the
    /// same identity are the same database.
    pub fn identity(&self) -> String {
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|h| match h {
                Host::Tcp(name) => name.to_ascii_lowercase(),
                Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let ports: Vec<String> = self.config.get_ports().iter().map(u16::to_string).collect();
        format!(
            "{}:{}/{}",
            hosts.join(","),
            ports.join(","),
            self.config.get_dbname().unwrap_or_default()
        )
    }

    /// A short name for reports: `dbname@host` (never a password).
    pub fn short_name(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            Some(Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_string(),
        };
        format!("{}@{host}", self.config.get_dbname().unwrap_or_default())
    }

    fn all_unix(&self) -> bool {
        self.config
            .get_hosts()
            .iter()
            .all(|h| matches!(h, Host::Unix(_)))
    }

    /// Connects, names the session, and sets what every touchpoint session
    /// needs (see [`Database::session_setup`]).
    pub async fn connect(&self, application_name: &str) -> Result<Client> {
        let mut config = self.config.clone();
        if config.get_application_name().is_none() {
            config.application_name(application_name);
        }
        // Unix sockets never carry TLS (the server refuses it there, and
        // libpq ignores sslmode for them).
        let client = if self.ssl == Ssl::Disable || self.all_unix() {
            config.ssl_mode(SslMode::Disable);
            self.connect_with(&config, NoTls).await?
        } else {
            config.ssl_mode(match self.ssl {
                Ssl::Prefer => SslMode::Prefer,
                _ => SslMode::Require,
            });
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(self.tls_config()?);
            self.connect_with(&config, tls).await?
        };
        self.session_setup(&client).await?;
        Ok(client)
    }

    /// Connects within the connect timeout (plus the TLS handshake and
    /// login, which tokio-postgres' own timeout does not cover) and spawns
    /// the connection task.
    async fn connect_with<T>(&self, config: &Config, tls: T) -> Result<Client>
    where
        T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + Send,
        T::Stream: Send + 'static,
    {
        let deadline = config
            .get_connect_timeout()
            .copied()
            .unwrap_or(Duration::from_secs(10))
            + Duration::from_secs(5);
        let what = || format!("cannot connect to {}", self.display);
        let (client, conn) = tokio::time::timeout(deadline, config.connect(tls))
            .await
            .map_err(|_| anyhow::anyhow!("timed out after {} s", deadline.as_secs()))
            .with_context(what)?
            .with_context(what)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(client)
    }

    /// Settings for every session: a killed touchpoint process must not
    /// leave its backend running a statement (PostgreSQL 14+ notices a
    /// closed socket only when asked to check).
    /// Returns the server's `server_version_num`.
    pub async fn session_setup(&self, client: &Client) -> Result<i32> {
        let version: i32 = client
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .await
            .context("cannot read the server version")?
            .get(0);
        warn_if_unsupported(version, &self.display);
        client
            .batch_execute(session_settings(version))
            .await
            .context("cannot set up the session")?;
        Ok(version)
    }

    /// The major version of the server `client` is connected to.
    pub async fn major(client: &Client) -> Result<u32> {
        let version: i32 = client
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .await
            .context("cannot read the server version")?
            .get(0);
        Ok(u32::try_from(version / 10000).unwrap_or(0))
    }

    /// Undoes whatever a migration's body SET for the session, in one round
    /// trip, and restores touchpoint's settings.
    pub async fn reset_session(&self, client: &Client, version: i32) -> Result<()> {
        client
            .batch_execute(&format!("RESET ALL; {}", session_settings(version)))
            .await
            .context("cannot reset the session")
    }

    fn tls_config(&self) -> Result<rustls::ClientConfig> {
        use rustls::client::danger::ServerCertVerifier;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .context("cannot set up TLS")?;
        // libpq: require with a root certificate verifies like verify-ca.
        let mode = if self.ssl == Ssl::Require && self.root_cert.is_some() {
            Ssl::VerifyCa
        } else {
            self.ssl
        };
        if matches!(mode, Ssl::Prefer | Ssl::Require) {
            return Ok(builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(tls::NoVerify(provider)))
                .with_no_client_auth());
        }
        let roots = self.root_store()?;
        let full =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .context("cannot build the certificate verifier")?;
        let verifier: Arc<dyn ServerCertVerifier> = if mode == Ssl::VerifyCa {
            Arc::new(tls::ChainOnly(full))
        } else {
            full
        };
        Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth())
    }

    fn root_store(&self) -> Result<rustls::RootCertStore> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::CertificateDer;
        let mut roots = rustls::RootCertStore::empty();
        let path = self.root_cert.as_ref().context("no sslrootcert")?;
        if path.as_os_str() == "system" {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
        } else {
            let certs = CertificateDer::pem_file_iter(path)
                .with_context(|| format!("cannot read sslrootcert {}", path.display()))?;
            for cert in certs {
                let cert = cert.with_context(|| {
                    format!(
                        "sslrootcert {} is not a PEM certificate file",
                        path.display()
                    )
                })?;
                roots.add(cert).with_context(|| {
                    format!(
                        "sslrootcert {} holds a certificate rustls cannot use",
                        path.display()
                    )
                })?;
            }
        }
        if roots.is_empty() {
            bail!("sslrootcert {} holds no certificate", path.display());
        }
        Ok(roots)
    }
}

/// The PostgreSQL majors touchpoint supports (tested on each).
pub const SUPPORTED_MAJORS: std::ops::RangeInclusive<u32> = 14..=18;

/// Says once per process, on stderr, when a server is outside
/// [`SUPPORTED_MAJORS`]: 13 and older are past their end of life and lack
/// syntax the workflow uses (`CREATE OR REPLACE TRIGGER`); newer ones are
/// untested.
fn warn_if_unsupported(server_version_num: i32, display: &str) {
    static SAID: std::sync::Once = std::sync::Once::new();
    let major = u32::try_from(server_version_num / 10000).unwrap_or(0);
    if SUPPORTED_MAJORS.contains(&major) {
        return;
    }
    SAID.call_once(|| {
        let why = if major < *SUPPORTED_MAJORS.start() {
            "past its end of life; CREATE OR REPLACE TRIGGER and other syntax the workflow uses need 14"
        } else {
            "newer than the versions touchpoint is tested on"
        };
        eprintln!(
            "warning: {display} runs PostgreSQL {major}, {why}: touchpoint supports {} to {}",
            SUPPORTED_MAJORS.start(),
            SUPPORTED_MAJORS.end()
        );
    });
}

pub fn session_settings(server_version_num: i32) -> &'static str {
    if server_version_num >= 140000 {
        "SET client_connection_check_interval = '1s'"
    } else {
        "SELECT 1"
    }
}

mod tls {
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::client::WebPkiServerVerifier;
    use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};

    /// sslmode=verify-ca: the chain must lead to a trusted root; the host
    /// name is not checked. rustls checks the chain before the name, so a
    /// name mismatch means the chain was good.
    #[derive(Debug)]
    pub struct ChainOnly(pub Arc<WebPkiServerVerifier>);

    impl ServerCertVerifier for ChainOnly {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            match self
                .0
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            {
                Err(Error::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                )) => Ok(ServerCertVerified::assertion()),
                other => other,
            }
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            self.0.verify_tls12_signature(message, cert, dss)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            self.0.verify_tls13_signature(message, cert, dss)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.supported_verify_schemes()
        }
    }

    /// sslmode=require / prefer: encrypted, the certificate not checked
    /// (libpq's meaning), handshake signatures still verified.
    #[derive(Debug)]
    pub struct NoVerify(pub Arc<CryptoProvider>);

    impl ServerCertVerifier for NoVerify {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
}

/// Splits a libpq URL or keyword string into keys and values. Errors name
/// the key, never a value (a value may be the password).
pub fn parse_conninfo(s: &str) -> Result<BTreeMap<String, String>> {
    let s = s.trim();
    let mut params = BTreeMap::new();
    if let Some(rest) = s
        .strip_prefix("postgresql://")
        .or_else(|| s.strip_prefix("postgres://"))
    {
        parse_url(rest, &mut params)?;
    } else {
        parse_keywords(s, &mut params)?;
    }
    for key in params.keys() {
        if !KEYS.contains(&key.as_str()) {
            bail!(BadInput(format!(
                "connection parameter `{key}` is not supported; touchpoint understands {}",
                KEYS.join(", ")
            )));
        }
    }
    Ok(params)
}

fn parse_url(rest: &str, params: &mut BTreeMap<String, String>) -> Result<()> {
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = main.split_once('/').unwrap_or((main, ""));
    // The password may hold '@': the host part follows the last one.
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    if let Some(userinfo) = userinfo {
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (userinfo, None),
        };
        if !user.is_empty() {
            params.insert("user".into(), decode(user, "the user name")?);
        }
        if let Some(p) = password {
            params.insert("password".into(), decode(p, "the password")?);
        }
    }
    if !hostport.is_empty() {
        let mut hosts = Vec::new();
        let mut ports = Vec::new();
        for part in hostport.split(',') {
            let (host, port) = if let Some(v6) = part.strip_prefix('[') {
                let (h, after) = v6.split_once(']').ok_or_else(|| {
                    BadInput("an IPv6 host in the URL lacks its closing `]`".into())
                })?;
                (h.to_string(), after.strip_prefix(':').map(str::to_string))
            } else {
                match part.rsplit_once(':') {
                    Some((h, p)) => (h.to_string(), Some(p.to_string())),
                    None => (part.to_string(), None),
                }
            };
            hosts.push(decode(&host, "the host")?);
            if let Some(p) = port {
                ports.push(p);
            }
        }
        if hosts.iter().any(|h| !h.is_empty()) {
            params.insert("host".into(), hosts.join(","));
        }
        if !ports.is_empty() {
            params.insert("port".into(), ports.join(","));
        }
    }
    if !path.is_empty() {
        params.insert("dbname".into(), decode(path, "the database name")?);
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(k, "a parameter name")?;
        let key = if key == "ssl" && v == "true" {
            "sslmode".to_string()
        } else {
            key
        };
        let value = decode(v, &format!("the value of `{key}`"))?;
        params.insert(key, value);
    }
    Ok(())
}

fn decode(s: &str, what: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                None => bail!(BadInput(format!(
                    "bad percent-encoding in {what} of the connection URL"
                ))),
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| {
        BadInput(format!(
            "{what} in the connection URL is not UTF-8 once decoded"
        ))
        .into()
    })
}

fn parse_keywords(s: &str, params: &mut BTreeMap<String, String>) -> Result<()> {
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(());
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            bail!(BadInput(format!(
                "the connection string is neither a postgresql:// URL nor `key=value` pairs (after `{key}` an `=` is missing)"
            )));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => bail!(BadInput(format!(
                        "the quoted value of `{key}` is not closed"
                    ))),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                if c == '\\' {
                    chars.next();
                    value.extend(chars.next());
                    continue;
                }
                value.push(c);
                chars.next();
            }
        }
        params.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(s: &str) -> BTreeMap<String, String> {
        parse_conninfo(s).unwrap()
    }

    #[test]
    fn urls() {
        let p = params("postgresql://app:p%40ss:w@rd@db.example.com:6432/orders?sslmode=verify-full&application_name=x");
        assert_eq!(p["user"], "app");
        assert_eq!(p["password"], "p@ss:w@rd");
        assert_eq!(p["host"], "db.example.com");
        assert_eq!(p["port"], "6432");
        assert_eq!(p["dbname"], "orders");
        assert_eq!(p["sslmode"], "verify-full");
        let p = params("postgres://u@%2Fvar%2Frun%2Fpostgresql/db");
        assert_eq!(p["host"], "/var/run/postgresql");
        let p = params("postgresql:///db?host=/tmp/sock&port=5433");
        assert_eq!(
            (p["host"].as_str(), p["port"].as_str(), p["dbname"].as_str()),
            ("/tmp/sock", "5433", "db")
        );
        let p = params("postgresql://[::1]:5432,h2:5433/db");
        assert_eq!(
            (p["host"].as_str(), p["port"].as_str()),
            ("::1,h2", "5432,5433")
        );
    }

    #[test]
    fn keyword_strings() {
        let p =
            params("host=/run/postgresql  dbname = app user=x password='a b\\'c' sslmode=disable");
        assert_eq!(p["host"], "/run/postgresql");
        assert_eq!(p["dbname"], "app");
        assert_eq!(p["sslmode"], "disable");
        assert_eq!(p["password"], "a b'c");
    }

    #[test]
    fn errors_never_show_values() {
        for bad in [
            "postgresql://u:S3cretPW@host/db?colour=S3cretPW",
            "host=h password=S3cretPW frobnicate=S3cretPW",
            "postgresql://u:S3cretPW@host:notaport/db",
            "postgresql://u:S3cret%zzPW@host/db",
            "host=h password='S3cretPW",
        ] {
            let e = match parse_conninfo(bad) {
                Err(e) => e,
                Ok(p) => match Database::from_conninfo(bad, |_| None) {
                    Err(e) => e,
                    Ok(_) => panic!("{p:?} parsed"),
                },
            };
            assert!(!format!("{e:#}").contains("S3cret"), "{e:#}");
        }
    }

    #[test]
    fn environment_fills_gaps_and_display_hides_the_password() {
        let env = |k: &str| match k {
            "PGHOST" => Some("db.internal".to_string()),
            "PGPASSWORD" => Some("S3cretPW".to_string()),
            "PGUSER" => Some("deploy".to_string()),
            "PGPORT" => Some("6543".to_string()),
            _ => None,
        };
        let db = Database::from_conninfo("dbname=orders", env).unwrap();
        assert_eq!(db.display(), "postgresql://deploy@db.internal:6543/orders");
        let db = Database::from_conninfo("postgresql://u:S3cretPW@h/d", |_| None).unwrap();
        assert!(!db.display().contains("S3cret"));
        assert!(!format!("{db:?}").contains("S3cret"), "Debug redacts too");
    }

    #[test]
    fn verify_modes_need_a_root_certificate() {
        std::env::set_var("HOME", "/nonexistent");
        let e = Database::from_conninfo("host=h sslmode=verify-full", |_| None).unwrap_err();
        assert!(e.to_string().contains("sslrootcert"), "{e}");
        assert!(Database::from_conninfo("host=h sslmode=allow", |_| None).is_err());
    }
}
