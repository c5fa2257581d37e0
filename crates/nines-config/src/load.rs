//! Loading: a file or a directory of files, each parsed and validated on its
//! own, then merged into one [`Config`]. All errors of all files are
//! collected before anything is returned.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::auth::{self, FileAuth, LocatedToken};
use crate::channel::{self, ReadChannels};
use crate::env::{self, Env};
use crate::error::{ConfigError, ConfigErrors};
use crate::integration::{self, LocatedIntegration};
use crate::keys::{Key, NONE, Section};
use crate::model::{Config, IncidentSettings, Route};
use crate::openslo;
use crate::read::{Ctx, NameRef, Named, Refs, join, suggest};
use crate::scrape::{self, LocatedScrape, TargetRef};
use crate::slo::{self, LocatedService};
use crate::yaml;

/// Files larger than this are refused before parsing: a config is a few
/// kilobytes, and a mistaken path to a log file should fail fast.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

impl Config {
    /// Loads `path`: a YAML file, or a directory whose `*.yaml` and `*.yml`
    /// files (not in subdirectories, not hidden) are read in name order and
    /// merged. `${VAR}`s come from the process environment.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        Config::load_with_env(path, &env::process_env)
    }

    /// [`Config::load`] with variables looked up by `env` instead of the
    /// process environment.
    pub fn load_with_env(
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigErrors> {
        let io_error = |file: &Path, message: String| {
            ConfigErrors(vec![ConfigError {
                file: file.to_path_buf(),
                line: 0,
                field: String::new(),
                message,
            }])
        };
        let meta = fs::metadata(path).map_err(|e| io_error(path, format!("cannot read: {e}")))?;
        let files = if meta.is_dir() {
            let files = config_files(path)
                .map_err(|e| io_error(path, format!("cannot list directory: {e}")))?;
            if files.is_empty() {
                return Err(io_error(
                    path,
                    "the directory holds no *.yaml or *.yml files".to_string(),
                ));
            }
            files
        } else {
            vec![path.to_path_buf()]
        };

        load_files(files, env)
    }

    /// Loads several config files and directories as one config, as if
    /// they were one directory (`nines import openslo a.yaml b.yaml`).
    pub fn load_all(paths: &[PathBuf]) -> Result<Config, ConfigErrors> {
        let mut files = Vec::new();
        for path in paths {
            let meta = fs::metadata(path).map_err(|e| {
                ConfigErrors(vec![ConfigError {
                    file: path.clone(),
                    line: 0,
                    field: String::new(),
                    message: format!("cannot read: {e}"),
                }])
            })?;
            if meta.is_dir() {
                files.extend(config_files(path).map_err(|e| {
                    ConfigErrors(vec![ConfigError {
                        file: path.clone(),
                        line: 0,
                        field: String::new(),
                        message: format!("cannot list directory: {e}"),
                    }])
                })?);
            } else {
                files.push(path.clone());
            }
        }
        load_files(files, &env::process_env)
    }

    /// Parses one config text; `file_name` is what errors call it.
    /// `${VAR}`s come from the process environment.
    pub fn parse(file_name: &str, text: &str) -> Result<Config, ConfigErrors> {
        Config::parse_with_env(file_name, text, &env::process_env)
    }

    /// [`Config::parse`] with variables looked up by `env`.
    pub fn parse_with_env(
        file_name: &str,
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigErrors> {
        let mut merge = Merge::default();
        merge.add(Path::new(file_name), text, env);
        merge.finish()
    }
}

/// Merges `files`. OpenSLO files are read together first, so references
/// between them resolve whichever file holds the document.
fn load_files(files: Vec<PathBuf>, env: Env<'_>) -> Result<Config, ConfigErrors> {
    let mut merge = Merge::default();
    let texts: Vec<(PathBuf, Result<String, String>)> = files
        .into_iter()
        .map(|f| {
            let t = read_text(&f);
            (f, t)
        })
        .collect();
    let mut openslo: HashMap<usize, (FileConfig, Vec<ConfigError>)> = HashMap::new();
    {
        let mut ctxs = Vec::new();
        let mut docs = Vec::new();
        let mut at = Vec::new();
        for (i, (file, text)) in texts.iter().enumerate() {
            let Ok(text) = text else { continue };
            if !openslo::is_openslo(text) {
                continue;
            }
            let mut ctx = Ctx::new(file, env);
            match yaml::parse_documents(text) {
                Ok(d) => docs.push(d),
                Err(e) => {
                    ctx.error(e.line, "", e.message);
                    docs.push(Vec::new());
                }
            }
            ctxs.push(ctx);
            at.push(i);
        }
        let doc_refs: Vec<&[yaml::Node]> = docs.iter().map(Vec::as_slice).collect();
        let mut warnings = Vec::new();
        let services = openslo::read_openslo_files(&mut ctxs, &doc_refs, &mut warnings);
        for ((i, ctx), services) in at.iter().zip(ctxs).zip(services) {
            let out = FileConfig {
                service_names: services.iter().map(|s| s.service.name.clone()).collect(),
                services,
                warnings: warnings
                    .iter()
                    .filter(|w| w.file == ctx.file)
                    .cloned()
                    .collect(),
                ..FileConfig::default()
            };
            openslo.insert(*i, (out, ctx.errors));
        }
    }
    for (i, (file, text)) in texts.into_iter().enumerate() {
        match (text, openslo.remove(&i)) {
            (Ok(_), Some((parsed, errors))) => merge.add_parsed(&file, parsed, errors),
            (Ok(text), None) => merge.add(&file, &text, env),
            (Err(message), _) => {
                merge.errors.push(ConfigError {
                    file: file.clone(),
                    line: 0,
                    field: String::new(),
                    message,
                });
                merge.config.files.push(file);
            }
        }
    }
    merge.finish()
}

/// The YAML files of a directory, sorted by name. Hidden files are skipped:
/// editors leave `.#name.yaml` and `.name.yaml.swp` beside the real ones.
fn config_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
        // `dir.join` keeps the path as the user gave it, so errors say
        // `conf/shop.yaml`, not an absolute path.
        let path = dir.join(entry.file_name());
        if yaml && !name.starts_with('.') && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn read_text(file: &Path) -> Result<String, String> {
    let meta = fs::metadata(file).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "the file is larger than {} MiB; is this the right file?",
            MAX_FILE_BYTES >> 20
        ));
    }
    fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))
}

/// What one file defines, before merging.
#[derive(Default)]
struct FileConfig {
    services: Vec<LocatedService>,
    auth: FileAuth,
    warnings: Vec<ConfigError>,
    users: Vec<(usize, crate::oncall::User)>,
    schedules: Vec<(usize, nines_oncall::Schedule)>,
    user_refs: Vec<crate::oncall::UserRef>,
    scrape: Vec<LocatedScrape>,
    channels: ReadChannels,
    integrations: Vec<LocatedIntegration>,
    /// `routes` and `incidents`, each with the line of its key.
    routes: Option<(usize, Route)>,
    incidents: Option<(usize, IncidentSettings)>,
    /// `error_budget_policy` and the line of its key.
    budget_policy: Option<(usize, crate::review::PolicyOverrides)>,
    /// `status_page` and the line of its key.
    status_page: Option<(usize, crate::status_page::StatusPage)>,
    /// Names of services and channels given in this file, to check once
    /// every file is read.
    refs: Refs,
    /// Every service name this file defines, valid or not, so a route
    /// naming a service with mistakes is not told it does not exist.
    service_names: Vec<String>,
    /// `escalations` and `teams`, and the names they give.
    oncall: crate::escalation::FileOncall,
}

/// The top level of a file: its sections.
pub(crate) const TOP_LEVEL: Section = Section {
    path: "top level",
    keys: &[
        Key {
            name: "services",
            ty: "mapping",
            default: NONE,
            doc: "the services nines watches, by name ([below](#servicesname))",
        },
        Key {
            name: "auth",
            ty: "mapping",
            default: NONE,
            doc: "API tokens ([below](#auth))",
        },
        Key {
            name: "users",
            ty: "mapping",
            default: NONE,
            doc: "people on-call schedules name ([below](#on-call-users-and-schedules))",
        },
        Key {
            name: "schedules",
            ty: "mapping",
            default: NONE,
            doc: "on-call schedules",
        },
        Key {
            name: "scrape",
            ty: "sequence",
            default: NONE,
            doc: "Prometheus `/metrics` endpoints nines scrapes ([below](#scrapei))",
        },
        Key {
            name: "channels",
            ty: "mapping",
            default: NONE,
            doc: "where notifications go, by name ([below](#channelsname))",
        },
        Key {
            name: "integrations",
            ty: "mapping",
            default: NONE,
            doc: "senders of alerts (Alertmanager, PagerDuty clients), by name \
                  ([below](#integrationsname))",
        },
        Key {
            name: "routes",
            ty: "mapping",
            default: "every alert to its `service` label's service, no channels",
            doc: "the routing tree ([below](#routes))",
        },
        Key {
            name: "incidents",
            ty: "mapping",
            default: "see [below](#incidents)",
            doc: "how incidents behave",
        },
        Key {
            name: "escalations",
            ty: "mapping",
            default: NONE,
            doc: "escalation policies: whom to page when \
                  ([below](#escalation-escalations-and-teams))",
        },
        Key {
            name: "teams",
            ty: "mapping",
            default: NONE,
            doc: "people, their schedules and escalation",
        },
        Key {
            name: "error_budget_policy",
            ty: "mapping",
            default: "see [below](#error_budget_policy)",
            doc: "when deploys freeze: the default of every service",
        },
        Key {
            name: "status_page",
            ty: "mapping",
            default: "one component per service",
            doc: "the public status page's title and components ([below](#status_page))",
        },
    ],
};

/// Reads one file's text; errors go into the returned list.
fn read_file(file: &Path, text: &str, env: Env<'_>) -> (FileConfig, Vec<ConfigError>) {
    let mut ctx = Ctx::new(file, env);
    let mut out = FileConfig::default();
    if openslo::is_openslo(text) {
        match yaml::parse_documents(text) {
            Err(e) => ctx.error(e.line, "", e.message),
            Ok(docs) => out.services = openslo::read_openslo(&mut ctx, &docs, &mut out.warnings),
        }
        out.service_names = out
            .services
            .iter()
            .map(|s| s.service.name.clone())
            .collect();
        return (out, ctx.errors);
    }
    match yaml::parse(text) {
        Err(e) => ctx.error(e.line, "", e.message),
        Ok(None) => {}
        Ok(Some(root)) => {
            if let Some(fields) = ctx.fields(&root, "", &TOP_LEVEL) {
                if let Some(node) = fields.get("users") {
                    out.users = crate::oncall::read_users(&mut ctx, node);
                }
                if let Some(node) = fields.get("schedules") {
                    out.schedules =
                        crate::oncall::read_schedules(&mut ctx, node, &mut out.user_refs);
                }
                crate::escalation::read(&mut ctx, &fields, &mut out.oncall);
                if let Some(node) = fields.get("services") {
                    out.services = slo::read_services(&mut ctx, node);
                    if let yaml::Kind::Map(pairs) = &node.kind {
                        out.service_names = pairs
                            .iter()
                            .filter_map(|(k, _)| k.as_scalar().map(str::to_string))
                            .collect();
                    }
                }
                if let Some(node) = fields.get("auth") {
                    out.auth = auth::read_auth(&mut ctx, node);
                }
                if let Some(node) = fields.get("scrape") {
                    out.scrape = scrape::read_scrape(&mut ctx, node);
                }
                if let Some(node) = fields.get("channels") {
                    out.channels = channel::read_channels(&mut ctx, node);
                }
                if let Some(node) = fields.get("integrations") {
                    out.integrations =
                        integration::read_integrations(&mut ctx, node, &mut out.refs.services);
                }
                let key_line = |key| fields.key_line(key).unwrap_or(root.line);
                if let Some(node) = fields.get("routes") {
                    out.routes = crate::route::read_routes(&mut ctx, node, &mut out.refs)
                        .map(|r| (key_line("routes"), r));
                }
                if let Some(node) = fields.get("error_budget_policy") {
                    out.budget_policy =
                        crate::review::read_policy(&mut ctx, node, "error_budget_policy")
                            .map(|p| (key_line("error_budget_policy"), p));
                }
                if let Some(node) = fields.get("status_page") {
                    out.status_page = crate::status_page::read_status_page(
                        &mut ctx,
                        node,
                        &mut out.refs.services,
                    )
                    .map(|p| (key_line("status_page"), p));
                }
                if let Some(node) = fields.get("incidents") {
                    out.incidents =
                        crate::incident_policy::read_policy(&mut ctx, node, &mut out.refs)
                            .map(|p| (key_line("incidents"), p));
                }
            }
        }
    }
    (out, ctx.errors)
}

/// Why `name` is not among `defined` (`what` names, defined under
/// `section`), if it is not.
pub(crate) fn unknown(
    name: &str,
    defined: &HashSet<String>,
    what: &str,
    section: &str,
) -> Option<String> {
    if defined.contains(name) {
        return None;
    }
    let mut known: Vec<&str> = defined.iter().map(String::as_str).collect();
    known.sort_unstable();
    let hint = match suggest(name, &known) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("define it under `{section}:`"),
    };
    Some(format!("unknown {what} `{name}`; {hint}"))
}

/// Where something was first defined: `file:line`.
struct Origin {
    file: PathBuf,
    line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// The config being assembled from files, and where each name came from.
#[derive(Default)]
struct Merge {
    config: Config,
    errors: Vec<ConfigError>,
    services: HashMap<String, Origin>,
    token_names: HashMap<String, Origin>,
    token_hashes: HashMap<[u8; 32], (String, Origin)>,
    public_read: Option<Origin>,
    /// Where each user and schedule was defined, for duplicates.
    users: HashMap<String, Origin>,
    schedules: HashMap<String, Origin>,
    /// Names schedules use, checked against `users` once all files are in.
    user_refs: Vec<(PathBuf, crate::oncall::UserRef)>,
    /// Where each scrape target's name and URL were defined.
    scrape_names: HashMap<String, Origin>,
    scrape_urls: HashMap<String, (String, Origin)>,
    /// `prometheus` SLI targets, resolved against `scrape` once all files
    /// are in.
    target_refs: Vec<(PathBuf, TargetRef)>,
    /// Where each channel and integration was defined, and each
    /// integration's key hash, for duplicates.
    channels: HashMap<String, Origin>,
    integrations: HashMap<String, Origin>,
    integration_hashes: HashMap<String, (String, Origin)>,
    /// Where `routes` and `incidents` were given: one file each.
    routes: Option<Origin>,
    incidents: Option<Origin>,
    budget_policy: Option<Origin>,
    status_page: Option<Origin>,
    /// Every service and channel name defined, valid or not, and the names
    /// routes and integrations give, checked against them at the end.
    service_names: HashSet<String>,
    channel_names: HashSet<String>,
    name_refs: Vec<(PathBuf, Named, NameRef)>,
    /// Escalations, teams and the names they (and services) give.
    oncall: crate::escalation::MergeOncall,
}

impl Merge {
    fn add(&mut self, file: &Path, text: &str, env: Env<'_>) {
        let (parsed, errors) = read_file(file, text, env);
        self.add_parsed(file, parsed, errors);
    }

    fn add_parsed(&mut self, file: &Path, mut parsed: FileConfig, mut errors: Vec<ConfigError>) {
        let error = |line, field: String, message| ConfigError {
            file: file.to_path_buf(),
            line,
            field,
            message,
        };
        self.config.files.push(file.to_path_buf());
        self.config
            .warnings
            .extend(std::mem::take(&mut parsed.warnings));
        for (line, user) in std::mem::take(&mut parsed.users) {
            if let Some(first) = self.users.get(&user.name) {
                let msg = format!("user `{}` is already defined at {first}", user.name);
                errors.push(error(line, join("users", &user.name), msg));
                continue;
            }
            self.users.insert(
                user.name.clone(),
                Origin {
                    file: file.to_path_buf(),
                    line,
                },
            );
            self.config.users.insert(user.name.clone(), user);
        }
        for (line, schedule) in std::mem::take(&mut parsed.schedules) {
            if let Some(first) = self.schedules.get(&schedule.name) {
                let msg = format!("schedule `{}` is already defined at {first}", schedule.name);
                errors.push(error(line, join("schedules", &schedule.name), msg));
                continue;
            }
            self.schedules.insert(
                schedule.name.clone(),
                Origin {
                    file: file.to_path_buf(),
                    line,
                },
            );
            self.config
                .schedules
                .insert(schedule.name.clone(), schedule);
        }
        self.user_refs.extend(
            std::mem::take(&mut parsed.user_refs)
                .into_iter()
                .map(|r| (file.to_path_buf(), r)),
        );

        for LocatedScrape {
            path,
            name_line,
            url_line,
            target,
        } in std::mem::take(&mut parsed.scrape)
        {
            let origin = |line| Origin {
                file: file.to_path_buf(),
                line,
            };
            if let Some(first) = self.scrape_names.get(&target.name) {
                let msg = format!(
                    "duplicate scrape target name `{}`; it is first defined at {first}",
                    target.name
                );
                errors.push(error(name_line, join(&path, "name"), msg));
                continue;
            }
            if let Some((other, first)) = self.scrape_urls.get(&target.url) {
                let msg = format!(
                    "`{}` is scraped already as `{other}` ({first}); scrape each endpoint once",
                    target.url
                );
                errors.push(error(url_line, join(&path, "url"), msg));
                continue;
            }
            self.scrape_names
                .insert(target.name.clone(), origin(name_line));
            self.scrape_urls
                .insert(target.url.clone(), (target.name.clone(), origin(url_line)));
            self.config.scrape.push(target);
        }

        self.add_incident_settings(file, &mut parsed, &mut errors);
        let oncall = std::mem::take(&mut parsed.oncall);
        self.oncall.add(file, oncall, &mut self.config, &mut errors);

        for LocatedService {
            line,
            service,
            targets,
            escalation,
        } in parsed.services
        {
            if let Some(first) = self.services.get(&service.name) {
                let msg = format!("service `{}` is already defined at {first}", service.name);
                errors.push(error(line, join("services", &service.name), msg));
                continue;
            }
            self.target_refs
                .extend(targets.into_iter().map(|t| (file.to_path_buf(), t)));
            if let Some(r) = escalation {
                let named = crate::escalation::Named::Escalation;
                self.oncall.add_ref(file, named, r);
            }
            self.services.insert(
                service.name.clone(),
                Origin {
                    file: file.to_path_buf(),
                    line,
                },
            );
            self.config.services.insert(service.name.clone(), service);
        }

        if let Some((value, line)) = parsed.auth.public_read {
            // One file decides, so opening reads to everyone is never the
            // side effect of an unrelated file.
            match &self.public_read {
                Some(first) => {
                    let msg =
                        format!("`public_read` is already set at {first}; set it in one file only");
                    errors.push(error(line, "auth.public_read".to_string(), msg));
                }
                None => {
                    self.public_read = Some(Origin {
                        file: file.to_path_buf(),
                        line,
                    });
                    self.config.auth.public_read = value;
                }
            }
        }

        for LocatedToken {
            name_line,
            hash_line,
            path,
            entry,
        } in parsed.auth.tokens
        {
            if let Some(first) = self.token_names.get(&entry.name) {
                let msg = format!(
                    "duplicate token name `{}`; it is first defined at {first}",
                    entry.name
                );
                errors.push(error(name_line, join(&path, "name"), msg));
                continue;
            }
            if let Some((other, first)) = self.token_hashes.get(&entry.hash) {
                let msg = format!(
                    "token `{other}` ({first}) has the same hash; give each holder a token of its own"
                );
                errors.push(error(hash_line, join(&path, "hash"), msg));
                continue;
            }
            let origin = || Origin {
                file: file.to_path_buf(),
                line: name_line,
            };
            self.token_names.insert(entry.name.clone(), origin());
            self.token_hashes
                .insert(entry.hash, (entry.name.clone(), origin()));
            self.config.auth.tokens.push(entry);
        }

        // Line order within a file reads best; the sort is stable, so errors
        // on one line keep the order they were found in.
        errors.sort_by_key(|e| e.line);
        self.errors.extend(errors);
    }

    /// Merges what one file says about incidents: channels, integrations,
    /// the routing tree and the incident policy.
    fn add_incident_settings(
        &mut self,
        file: &Path,
        parsed: &mut FileConfig,
        errors: &mut Vec<ConfigError>,
    ) {
        let origin = |line| Origin {
            file: file.to_path_buf(),
            line,
        };
        let error = |line, field: String, message| ConfigError {
            file: file.to_path_buf(),
            line,
            field,
            message,
        };
        self.service_names
            .extend(std::mem::take(&mut parsed.service_names));
        self.channel_names
            .extend(std::mem::take(&mut parsed.channels.names));
        let refs = std::mem::take(&mut parsed.refs);
        let mut refs: Vec<(PathBuf, Named, NameRef)> = (refs.services.into_iter())
            .map(|r| (file.to_path_buf(), Named::Service, r))
            .chain((refs.channels.into_iter()).map(|r| (file.to_path_buf(), Named::Channel, r)))
            .collect();
        // Reported in line order, like the file's other errors.
        refs.sort_by_key(|(_, _, r)| r.line);
        self.name_refs.extend(refs);

        for c in std::mem::take(&mut parsed.channels.channels) {
            if let Some(first) = self.channels.get(&c.name) {
                let msg = format!("channel `{}` is already defined at {first}", c.name);
                errors.push(error(c.line, join("channels", &c.name), msg));
                continue;
            }
            self.channels.insert(c.name.clone(), origin(c.line));
            self.config.channels.insert(c.name, c.channel);
        }

        for LocatedIntegration {
            line,
            key_hash_line,
            path,
            integration,
        } in std::mem::take(&mut parsed.integrations)
        {
            let name = &integration.name;
            if let Some(first) = self.integrations.get(name) {
                let msg = format!("integration `{name}` is already defined at {first}");
                errors.push(error(line, path, msg));
                continue;
            }
            if let Some((other, first)) = self.integration_hashes.get(&integration.key_hash) {
                let msg = format!(
                    "integration `{other}` ({first}) has the same key hash, so a key would not \
                     say which integration sent it; give each integration a key of its own"
                );
                errors.push(error(key_hash_line, join(&path, "key_hash"), msg));
                continue;
            }
            self.integrations.insert(name.clone(), origin(line));
            self.integration_hashes
                .insert(integration.key_hash.clone(), (name.clone(), origin(line)));
            self.config.integrations.insert(name.clone(), integration);
        }

        // One file each: a tree or a policy assembled from several files
        // would depend on the order files are read in.
        if let Some((line, route)) = parsed.routes.take() {
            match &self.routes {
                Some(first) => {
                    let msg = format!(
                        "`routes` is already given at {first}; give the routing tree in one file"
                    );
                    errors.push(error(line, "routes".to_string(), msg));
                }
                None => {
                    self.routes = Some(origin(line));
                    self.config.routes = route;
                }
            }
        }
        if let Some((line, policy)) = parsed.budget_policy.take() {
            match &self.budget_policy {
                Some(first) => {
                    let msg = format!(
                        "`error_budget_policy` is already given at {first}; set it in one file only"
                    );
                    errors.push(error(line, "error_budget_policy".to_string(), msg));
                }
                None => {
                    self.budget_policy = Some(origin(line));
                    self.config.error_budget_policy = policy.apply(&Default::default());
                }
            }
        }
        if let Some((line, page)) = parsed.status_page.take() {
            match &self.status_page {
                Some(first) => {
                    let msg = format!(
                        "`status_page` is already given at {first}; set it in one file only"
                    );
                    errors.push(error(line, "status_page".to_string(), msg));
                }
                None => {
                    self.status_page = Some(origin(line));
                    self.config.status_page = page;
                }
            }
        }
        if let Some((line, policy)) = parsed.incidents.take() {
            match &self.incidents {
                Some(first) => {
                    let msg =
                        format!("`incidents` is already given at {first}; set it in one file only");
                    errors.push(error(line, "incidents".to_string(), msg));
                }
                None => {
                    self.incidents = Some(origin(line));
                    self.config.incident_policy = policy;
                }
            }
        }
    }

    fn finish(mut self) -> Result<Config, ConfigErrors> {
        for (file, named, r) in &self.name_refs {
            let unknown = match named {
                Named::Service => unknown(&r.name, &self.service_names, "service", "services"),
                Named::Channel => unknown(&r.name, &self.channel_names, "channel", "channels"),
            };
            if let Some(message) = unknown {
                self.errors.push(ConfigError {
                    file: file.clone(),
                    line: r.line,
                    field: r.field.clone(),
                    message,
                });
            }
        }
        for (file, r) in &self.user_refs {
            if !self.config.users.contains_key(&r.user) {
                let known: Vec<&str> = self.config.users.keys().map(String::as_str).collect();
                let hint = match crate::read::suggest(&r.user, &known) {
                    Some(close) => format!("; did you mean `{close}`?"),
                    None => "; define it under `users:`".to_string(),
                };
                self.errors.push(ConfigError {
                    file: file.clone(),
                    line: r.line,
                    field: r.field.clone(),
                    message: format!("unknown user `{}`{hint}", r.user),
                });
            }
        }
        self.oncall
            .finish(&self.config, &self.channel_names, &mut self.errors);
        // Explicit targets are all in, so a URL no entry lists gets an
        // implicit target, once, in the order SLOs name them.
        for (file, r) in &self.target_refs {
            if let Err(message) = scrape::resolve(&mut self.config.scrape, &r.target) {
                self.errors.push(ConfigError {
                    file: file.clone(),
                    line: r.line,
                    field: r.field.clone(),
                    message,
                });
            }
        }
        if self.errors.is_empty() {
            Ok(self.config)
        } else {
            Err(ConfigErrors(self.errors))
        }
    }
}
