//! What a unit is: a kind, a key that names the object, its SQL and the
//! keys of the units it needs.

use std::collections::BTreeSet;
use std::fmt;

use crate::schema::catalog::DeparsedKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Schema,
    Extension,
    Type,
    Sequence,
    Function,
    Procedure,
    Table,
    Index,
    Constraint,
    View,
    MaterializedView,
    Trigger,
    Policy,
    Collation,
    Aggregate,
    DefaultPrivileges,
    EventTrigger,
    ForeignDataWrapper,
    ForeignServer,
    UserMapping,
    ForeignTable,
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

impl Kind {
    pub const ALL: [Kind; 31] = [
        Kind::Schema,
        Kind::Extension,
        Kind::Type,
        Kind::Sequence,
        Kind::Function,
        Kind::Procedure,
        Kind::Table,
        Kind::Index,
        Kind::Constraint,
        Kind::View,
        Kind::MaterializedView,
        Kind::Trigger,
        Kind::Policy,
        Kind::Collation,
        Kind::Aggregate,
        Kind::DefaultPrivileges,
        Kind::EventTrigger,
        Kind::ForeignDataWrapper,
        Kind::ForeignServer,
        Kind::UserMapping,
        Kind::ForeignTable,
        Kind::Rule,
        Kind::Publication,
        Kind::Subscription,
        Kind::Statistics,
        Kind::TextSearchDictionary,
        Kind::TextSearchConfiguration,
        Kind::Operator,
        Kind::OperatorFamily,
        Kind::OperatorClass,
        Kind::Cast,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Schema => "schema",
            Kind::Extension => "extension",
            Kind::Type => "type",
            Kind::Sequence => "sequence",
            Kind::Function => "function",
            Kind::Procedure => "procedure",
            Kind::Table => "table",
            Kind::Index => "index",
            Kind::Constraint => "constraint",
            Kind::View => "view",
            Kind::MaterializedView => "materialized view",
            Kind::Trigger => "trigger",
            Kind::Policy => "policy",
            Kind::Collation => "collation",
            Kind::Aggregate => "aggregate",
            Kind::DefaultPrivileges => "default privileges",
            Kind::EventTrigger => "event trigger",
            Kind::ForeignDataWrapper => "foreign data wrapper",
            Kind::ForeignServer => "foreign server",
            Kind::UserMapping => "user mapping",
            Kind::ForeignTable => "foreign table",
            Kind::Rule => "rule",
            Kind::Publication => "publication",
            Kind::Subscription => "subscription",
            Kind::Statistics => "statistics",
            Kind::TextSearchDictionary => "text search dictionary",
            Kind::TextSearchConfiguration => "text search configuration",
            Kind::Operator => "operator",
            Kind::OperatorFamily => "operator family",
            Kind::OperatorClass => "operator class",
            Kind::Cast => "cast",
        }
    }

    pub fn from_label(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.label() == s)
    }

    /// The kind a `kind:` layout selector and the drift report name: the
    /// kinds held as their statements map one to one.
    pub fn of_deparsed(kind: DeparsedKind) -> Kind {
        match kind {
            DeparsedKind::Collation => Kind::Collation,
            DeparsedKind::Aggregate => Kind::Aggregate,
            DeparsedKind::DefaultPrivileges => Kind::DefaultPrivileges,
            DeparsedKind::EventTrigger => Kind::EventTrigger,
            DeparsedKind::ForeignDataWrapper => Kind::ForeignDataWrapper,
            DeparsedKind::ForeignServer => Kind::ForeignServer,
            DeparsedKind::UserMapping => Kind::UserMapping,
            DeparsedKind::Rule => Kind::Rule,
            DeparsedKind::Publication => Kind::Publication,
            DeparsedKind::Subscription => Kind::Subscription,
            DeparsedKind::Statistics => Kind::Statistics,
            DeparsedKind::TextSearchDictionary => Kind::TextSearchDictionary,
            DeparsedKind::TextSearchConfiguration => Kind::TextSearchConfiguration,
            DeparsedKind::Operator => Kind::Operator,
            DeparsedKind::OperatorFamily => Kind::OperatorFamily,
            DeparsedKind::OperatorClass => Kind::OperatorClass,
            DeparsedKind::Cast => Kind::Cast,
        }
    }

    /// Where the kind goes among ready objects (also the only order the
    /// catch-up script has: drift reads no dependencies): schemas first,
    /// then what tables need, tables, what hangs off them, views, and last what
    /// applies to objects created before it (default privileges, as
    /// pg_dump has them last, so that they do not add to the grants of
    /// objects made before them).
    pub(super) fn phase(self) -> u8 {
        match self {
            Kind::Schema => 0,
            Kind::Extension => 1,
            Kind::Collation => 2,
            Kind::Type => 3,
            Kind::Sequence => 4,
            Kind::Function | Kind::Procedure => 5,
            Kind::Aggregate | Kind::TextSearchDictionary | Kind::Operator | Kind::Cast => 6,
            Kind::ForeignDataWrapper | Kind::TextSearchConfiguration | Kind::OperatorFamily => 7,
            Kind::ForeignServer | Kind::OperatorClass => 8,
            Kind::UserMapping => 9,
            Kind::Table | Kind::ForeignTable => 10,
            Kind::Index | Kind::Statistics => 11,
            Kind::Constraint => 12,
            Kind::View | Kind::MaterializedView => 13,
            Kind::Trigger | Kind::Rule => 14,
            Kind::Policy => 15,
            Kind::EventTrigger | Kind::Publication | Kind::Subscription => 16,
            Kind::DefaultPrivileges => 17,
        }
    }

    /// Kinds of the whole database, or what tables and types need: they
    /// go to the foundations file unless the layout says otherwise.
    pub fn is_foundation(self) -> bool {
        matches!(
            self,
            Kind::Schema
                | Kind::Extension
                | Kind::Type
                | Kind::Collation
                | Kind::TextSearchDictionary
                | Kind::TextSearchConfiguration
                | Kind::Cast
                | Kind::ForeignDataWrapper
                | Kind::ForeignServer
                | Kind::UserMapping
                | Kind::EventTrigger
                | Kind::Publication
                | Kind::Subscription
        )
    }
}

/// An object's identity: kind plus its name as SQL writes it (quoted where
/// needed). Ordered by schema, then name, then kind, in byte order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnitKey {
    pub kind: Kind,
    /// Raw (unquoted) schema name; empty for extensions.
    pub schema: String,
    /// Raw name; for children `table.child`, for functions `name(args)`.
    pub name: String,
    /// How SQL names it: `service_ops.packet`, `"Odd"."Name"`.
    pub qualified: String,
}

impl UnitKey {
    pub fn new(kind: Kind, schema: &str, name: &str, qualified: String) -> UnitKey {
        UnitKey {
            kind,
            schema: schema.to_string(),
            name: name.to_string(),
            qualified,
        }
    }
}

impl Ord for UnitKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.schema.as_bytes(), self.name.as_bytes(), self.kind).cmp(&(
            other.schema.as_bytes(),
            other.name.as_bytes(),
            other.kind,
        ))
    }
}

impl PartialOrd for UnitKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for UnitKey {
    /// `table service_ops.packet`: also the marker line's text in the files.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.label(), self.qualified)
    }
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub key: UnitKey,
    /// The table (or view) a child object belongs to; placement follows it.
    pub parent: Option<UnitKey>,
    /// Statements, each ending with `;` and a newline.
    pub sql: String,
    pub deps: BTreeSet<UnitKey>,
    /// The columns it uses in particular (a view's, a policy's): the
    /// relation's key and the column's name. A subset of what `deps` says
    /// at the relation's level.
    pub column_deps: BTreeSet<(UnitKey, String)>,
}

impl Unit {
    /// A unit that needs nothing yet (dependencies are added once every
    /// unit is known).
    pub fn new(key: UnitKey, parent: Option<UnitKey>, sql: String) -> Unit {
        Unit {
            key,
            parent,
            sql,
            deps: BTreeSet::new(),
            column_deps: BTreeSet::new(),
        }
    }
}
