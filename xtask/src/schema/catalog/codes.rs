//! PostgreSQL's one-letter catalog codes (`relkind`, `contype`,
//! `attidentity`, `tgenabled`, `polcmd`, `prokind`, `relreplident`), decoded
//! here once into enums: nothing past the catalog reader matches on them.

/// `pg_class.relkind` of the relations the model keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelKind {
    Table,
    PartitionedTable,
    View,
    MaterializedView,
    ForeignTable,
}

impl RelKind {
    /// `r` (and anything the query lets through unnamed) is a table.
    pub(super) fn decode(relkind: &str) -> RelKind {
        match relkind {
            "p" => RelKind::PartitionedTable,
            "v" => RelKind::View,
            "m" => RelKind::MaterializedView,
            "f" => RelKind::ForeignTable,
            _ => RelKind::Table,
        }
    }

    /// Columns of its own to compare: a table or a foreign table.
    pub fn has_columns(self) -> bool {
        self.is_table() || self == RelKind::ForeignTable
    }

    /// A plain or a partitioned table: it has columns of its own to compare.
    pub fn is_table(self) -> bool {
        matches!(self, RelKind::Table | RelKind::PartitionedTable)
    }

    /// How `COMMENT ON`, `DROP` and `GRANT ... ON` name the kind.
    pub fn keyword(self) -> &'static str {
        match self {
            RelKind::Table | RelKind::PartitionedTable => "TABLE",
            RelKind::View => "VIEW",
            RelKind::MaterializedView => "MATERIALIZED VIEW",
            RelKind::ForeignTable => "FOREIGN TABLE",
        }
    }
}

/// The kinds the model holds as the statements that create them (see
/// [`super::Deparsed`]): nothing in them is altered in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeparsedKind {
    Collation,
    Aggregate,
    DefaultPrivileges,
    EventTrigger,
    ForeignDataWrapper,
    ForeignServer,
    UserMapping,
    Rule,
    Publication,
    Subscription,
    Statistics,
    TextSearchDictionary,
    TextSearchConfiguration,
    Operator,
    OperatorFamily,
    OperatorClass,
    Cast,
}

impl DeparsedKind {
    pub const ALL: [DeparsedKind; 17] = [
        DeparsedKind::Collation,
        DeparsedKind::Aggregate,
        DeparsedKind::DefaultPrivileges,
        DeparsedKind::EventTrigger,
        DeparsedKind::ForeignDataWrapper,
        DeparsedKind::ForeignServer,
        DeparsedKind::UserMapping,
        DeparsedKind::Rule,
        DeparsedKind::Publication,
        DeparsedKind::Subscription,
        DeparsedKind::Statistics,
        DeparsedKind::TextSearchDictionary,
        DeparsedKind::TextSearchConfiguration,
        DeparsedKind::Operator,
        DeparsedKind::OperatorFamily,
        DeparsedKind::OperatorClass,
        DeparsedKind::Cast,
    ];

    /// The catalog its rows live in, for `pg_depend`.
    pub fn class(self) -> &'static str {
        match self {
            DeparsedKind::Collation => "pg_collation",
            DeparsedKind::Aggregate => "pg_proc",
            DeparsedKind::DefaultPrivileges => "pg_default_acl",
            DeparsedKind::EventTrigger => "pg_event_trigger",
            DeparsedKind::ForeignDataWrapper => "pg_foreign_data_wrapper",
            DeparsedKind::ForeignServer => "pg_foreign_server",
            DeparsedKind::UserMapping => "pg_user_mapping",
            DeparsedKind::Rule => "pg_rewrite",
            DeparsedKind::Publication => "pg_publication",
            DeparsedKind::Subscription => "pg_subscription",
            DeparsedKind::Statistics => "pg_statistic_ext",
            DeparsedKind::TextSearchDictionary => "pg_ts_dict",
            DeparsedKind::TextSearchConfiguration => "pg_ts_config",
            DeparsedKind::Operator => "pg_operator",
            DeparsedKind::OperatorFamily => "pg_opfamily",
            DeparsedKind::OperatorClass => "pg_opclass",
            DeparsedKind::Cast => "pg_cast",
        }
    }

    /// How a changed one is made the expected one: replaced in place, its
    /// options cleared and set again (other objects depend on wrappers and
    /// servers: a drop would fail), altered in place (a text search
    /// dictionary's options, a configuration's mappings: configurations,
    /// columns and indexes use them), dropped and created again, or not at
    /// all (a collation other objects may use: left for a person).
    pub fn change(self) -> DeparsedChange {
        match self {
            DeparsedKind::Aggregate | DeparsedKind::Rule => DeparsedChange::Replace,
            DeparsedKind::ForeignDataWrapper => DeparsedChange::ResetOptions {
                catalog: "pg_foreign_data_wrapper",
                options: "fdwoptions",
                name: "fdwname",
                keyword: "FOREIGN DATA WRAPPER",
            },
            DeparsedKind::ForeignServer => DeparsedChange::ResetOptions {
                catalog: "pg_foreign_server",
                options: "srvoptions",
                name: "srvname",
                keyword: "SERVER",
            },
            DeparsedKind::DefaultPrivileges
            | DeparsedKind::EventTrigger
            | DeparsedKind::UserMapping
            | DeparsedKind::Publication
            | DeparsedKind::Subscription
            | DeparsedKind::Statistics
            | DeparsedKind::Operator
            | DeparsedKind::OperatorFamily
            | DeparsedKind::OperatorClass
            | DeparsedKind::Cast => DeparsedChange::Recreate,
            DeparsedKind::TextSearchDictionary | DeparsedKind::TextSearchConfiguration => {
                DeparsedChange::Alter
            }
            DeparsedKind::Collation => DeparsedChange::Left,
        }
    }

    /// Whether dropping it loses nothing but itself (default privileges
    /// only say what later objects get; a statistics object's figures come
    /// back with the next ANALYZE): the catch-up script then drops and
    /// recreates a changed one without `--allow-drop`.
    pub fn drop_is_harmless(self) -> bool {
        matches!(
            self,
            DeparsedKind::DefaultPrivileges | DeparsedKind::Statistics
        )
    }
}

/// See [`DeparsedKind::change`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeparsedChange {
    Replace,
    ResetOptions {
        catalog: &'static str,
        options: &'static str,
        name: &'static str,
        keyword: &'static str,
    },
    /// Its `alter` (then its `after`), on the existing object.
    Alter,
    Recreate,
    Left,
}

/// `pg_constraint.contype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Exclusion,
    /// A constraint trigger.
    Trigger,
    /// PostgreSQL 18's named NOT NULL.
    NotNull,
}

impl ConstraintKind {
    /// An empty or unknown code reads as a check.
    pub(super) fn decode(contype: &str) -> ConstraintKind {
        match contype {
            "p" => ConstraintKind::PrimaryKey,
            "u" => ConstraintKind::Unique,
            "f" => ConstraintKind::ForeignKey,
            "x" => ConstraintKind::Exclusion,
            "t" => ConstraintKind::Trigger,
            "n" => ConstraintKind::NotNull,
            _ => ConstraintKind::Check,
        }
    }

    /// What the drift report calls it.
    pub fn label(self) -> &'static str {
        match self {
            ConstraintKind::PrimaryKey => "primary key",
            ConstraintKind::Unique => "unique",
            ConstraintKind::ForeignKey => "foreign key",
            ConstraintKind::Check => "check",
            ConstraintKind::Exclusion => "exclusion",
            ConstraintKind::Trigger => "trigger",
            ConstraintKind::NotNull => "not null",
        }
    }

    /// A primary key or unique constraint: what `ON CONFLICT` relies on.
    pub fn is_key(self) -> bool {
        matches!(self, ConstraintKind::PrimaryKey | ConstraintKind::Unique)
    }

    /// Enforced by an index built when it is added: primary key, unique,
    /// exclusion. The others (foreign keys, checks) can be added NOT VALID
    /// and validated later.
    pub fn builds_index(self) -> bool {
        matches!(
            self,
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
        )
    }

    /// A foreign key or a check: added NOT VALID, then validated.
    pub fn validates_later(self) -> bool {
        matches!(self, ConstraintKind::ForeignKey | ConstraintKind::Check)
    }
}

/// `pg_attribute.attidentity` of an identity column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    Always,
    ByDefault,
}

impl Identity {
    /// `None` for a column that is not an identity (an empty code).
    pub(super) fn decode(attidentity: &str) -> Option<Identity> {
        match attidentity {
            "" => None,
            "a" => Some(Identity::Always),
            _ => Some(Identity::ByDefault),
        }
    }

    /// `ALWAYS` or `BY DEFAULT`, as `GENERATED ... AS IDENTITY` writes it.
    pub fn sql(self) -> &'static str {
        match self {
            Identity::Always => "ALWAYS",
            Identity::ByDefault => "BY DEFAULT",
        }
    }

    /// `pg_attribute.attidentity`.
    pub fn code(self) -> char {
        match self {
            Identity::Always => 'a',
            Identity::ByDefault => 'd',
        }
    }
}

/// `pg_attribute.attgenerated`: how a generated column keeps its value.
/// PostgreSQL 18 made `VIRTUAL` (computed on read) the default when
/// neither keyword is written; 12 to 17 know only `STORED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratedKind {
    Stored,
    Virtual,
}

impl GeneratedKind {
    /// `None` for a column that is not generated (an empty code).
    pub(super) fn decode(attgenerated: &str) -> Option<GeneratedKind> {
        match attgenerated {
            "" => None,
            "v" => Some(GeneratedKind::Virtual),
            _ => Some(GeneratedKind::Stored),
        }
    }

    /// The `attgenerated` code, for the catch-up script's guards.
    pub fn code(self) -> &'static str {
        match self {
            GeneratedKind::Stored => "s",
            GeneratedKind::Virtual => "v",
        }
    }

    /// `STORED` or `VIRTUAL`, as `GENERATED ALWAYS AS (...)` ends.
    pub fn sql(self) -> &'static str {
        match self {
            GeneratedKind::Stored => "STORED",
            GeneratedKind::Virtual => "VIRTUAL",
        }
    }
}

/// `pg_attribute.attcompression`: the column's own compression method,
/// `None` for the server's default (`default_toast_compression`).
pub(super) fn compression(attcompression: &str) -> Option<String> {
    match attcompression {
        "" => None,
        "p" => Some("pglz".to_string()),
        "l" => Some("lz4".to_string()),
        other => Some(other.to_string()),
    }
}

/// `pg_trigger.tgenabled`: when the trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerEnabled {
    /// Enabled (fires in `origin` and `local` replication roles).
    Origin,
    Disabled,
    Replica,
    Always,
}

impl TriggerEnabled {
    pub(super) fn decode(tgenabled: &str) -> TriggerEnabled {
        match tgenabled {
            "D" => TriggerEnabled::Disabled,
            "R" => TriggerEnabled::Replica,
            "A" => TriggerEnabled::Always,
            _ => TriggerEnabled::Origin,
        }
    }

    /// The `ALTER TABLE ... TRIGGER` clause that sets it; `None` for the
    /// default (enabled).
    pub fn clause(self) -> Option<&'static str> {
        match self {
            TriggerEnabled::Origin => None,
            TriggerEnabled::Disabled => Some("DISABLE"),
            TriggerEnabled::Replica => Some("ENABLE REPLICA"),
            TriggerEnabled::Always => Some("ENABLE ALWAYS"),
        }
    }
}

/// `pg_policy.polcmd`: the command a policy applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyCommand {
    Select,
    Insert,
    Update,
    Delete,
    All,
}

impl PolicyCommand {
    pub(super) fn decode(polcmd: &str) -> PolicyCommand {
        match polcmd {
            "r" => PolicyCommand::Select,
            "a" => PolicyCommand::Insert,
            "w" => PolicyCommand::Update,
            "d" => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        }
    }

    /// `SELECT` ... `ALL`, as `CREATE POLICY ... FOR` writes it.
    pub fn sql(self) -> &'static str {
        match self {
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
            PolicyCommand::All => "ALL",
        }
    }
}

/// `pg_proc.prokind` of the routines the model keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutineKind {
    Function,
    Procedure,
}

impl RoutineKind {
    pub(super) fn decode(prokind: &str) -> RoutineKind {
        match prokind {
            "p" => RoutineKind::Procedure,
            _ => RoutineKind::Function,
        }
    }

    /// `FUNCTION` or `PROCEDURE`, as DDL names the kind.
    pub fn keyword(self) -> &'static str {
        match self {
            RoutineKind::Function => "FUNCTION",
            RoutineKind::Procedure => "PROCEDURE",
        }
    }
}

/// `pg_class.relreplident`: what a table's WAL records identify rows by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaIdentity {
    /// The primary key.
    Default,
    Nothing,
    Full,
    /// A chosen unique index.
    Index,
}

impl ReplicaIdentity {
    pub(super) fn decode(relreplident: &str) -> ReplicaIdentity {
        match relreplident {
            "n" => ReplicaIdentity::Nothing,
            "f" => ReplicaIdentity::Full,
            "i" => ReplicaIdentity::Index,
            _ => ReplicaIdentity::Default,
        }
    }

    /// The catalog's code (`d`, `n`, `f`, `i`): what the drift report shows.
    pub fn code(self) -> &'static str {
        match self {
            ReplicaIdentity::Default => "d",
            ReplicaIdentity::Nothing => "n",
            ReplicaIdentity::Full => "f",
            ReplicaIdentity::Index => "i",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_decode_to_what_they_mean() {
        assert_eq!(RelKind::decode("m"), RelKind::MaterializedView);
        assert_eq!(ConstraintKind::decode("x"), ConstraintKind::Exclusion);
        assert_eq!(ConstraintKind::decode("f").label(), "foreign key");
        assert_eq!(Identity::decode(""), None);
        assert_eq!(Identity::decode("d"), Some(Identity::ByDefault));
        assert_eq!(TriggerEnabled::decode("O").clause(), None);
        assert_eq!(PolicyCommand::decode("*"), PolicyCommand::All);
        assert_eq!(RoutineKind::decode("p").keyword(), "PROCEDURE");
        for code in ["d", "n", "f", "i"] {
            assert_eq!(ReplicaIdentity::decode(code).code(), code);
        }
    }
}
