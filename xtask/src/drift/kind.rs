//! What drift talks about: the kinds of objects it compares, the aspects it
//! compares them by, and the id that names an object in every report.
//! Their text (`materialized view`, `not null`, `column s.t.c`) is the
//! stable vocabulary of the reports and the JSON.

use std::fmt;

use crate::schema::render;

/// The kind of an object. Declared in the byte order of the labels, so
/// that ids sort as their text does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Aggregate,
    Cast,
    Collation,
    Column,
    Constraint,
    DefaultPrivileges,
    EventTrigger,
    Extension,
    ForeignDataWrapper,
    ForeignServer,
    ForeignTable,
    Function,
    Index,
    MaterializedView,
    OperatorClass,
    Operator,
    OperatorFamily,
    Policy,
    Procedure,
    Publication,
    Rule,
    Schema,
    Sequence,
    Statistics,
    Subscription,
    Table,
    TextSearchConfiguration,
    TextSearchDictionary,
    Trigger,
    Type,
    UserMapping,
    View,
}

impl Kind {
    pub const ALL: [Kind; 32] = [
        Kind::Aggregate,
        Kind::Cast,
        Kind::Collation,
        Kind::Column,
        Kind::Constraint,
        Kind::DefaultPrivileges,
        Kind::EventTrigger,
        Kind::Extension,
        Kind::ForeignDataWrapper,
        Kind::ForeignServer,
        Kind::ForeignTable,
        Kind::Function,
        Kind::Index,
        Kind::MaterializedView,
        Kind::OperatorClass,
        Kind::Operator,
        Kind::OperatorFamily,
        Kind::Policy,
        Kind::Procedure,
        Kind::Publication,
        Kind::Rule,
        Kind::Schema,
        Kind::Sequence,
        Kind::Statistics,
        Kind::Subscription,
        Kind::Table,
        Kind::TextSearchConfiguration,
        Kind::TextSearchDictionary,
        Kind::Trigger,
        Kind::Type,
        Kind::UserMapping,
        Kind::View,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Aggregate => "aggregate",
            Kind::Cast => "cast",
            Kind::Collation => "collation",
            Kind::Column => "column",
            Kind::Constraint => "constraint",
            Kind::DefaultPrivileges => "default privileges",
            Kind::EventTrigger => "event trigger",
            Kind::Extension => "extension",
            Kind::ForeignDataWrapper => "foreign data wrapper",
            Kind::ForeignServer => "foreign server",
            Kind::ForeignTable => "foreign table",
            Kind::Function => "function",
            Kind::Index => "index",
            Kind::MaterializedView => "materialized view",
            // PostgreSQL's own short names: "operator" may start no other
            // label (ids sort as their text).
            Kind::OperatorClass => "opclass",
            Kind::Operator => "operator",
            Kind::OperatorFamily => "opfamily",
            Kind::Policy => "policy",
            Kind::Procedure => "procedure",
            Kind::Publication => "publication",
            Kind::Rule => "rule",
            Kind::Schema => "schema",
            Kind::Sequence => "sequence",
            Kind::Statistics => "statistics",
            Kind::Subscription => "subscription",
            Kind::Table => "table",
            Kind::TextSearchConfiguration => "text search configuration",
            Kind::TextSearchDictionary => "text search dictionary",
            Kind::Trigger => "trigger",
            Kind::Type => "type",
            Kind::UserMapping => "user mapping",
            Kind::View => "view",
        }
    }

    /// A table, view or materialized view: what the parts of a table
    /// belong to, and what goes with all its parts.
    pub fn is_relation(self) -> bool {
        matches!(
            self,
            Kind::Table | Kind::View | Kind::MaterializedView | Kind::ForeignTable
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl From<render::Kind> for Kind {
    fn from(kind: render::Kind) -> Kind {
        match kind {
            render::Kind::Schema => Kind::Schema,
            render::Kind::Extension => Kind::Extension,
            render::Kind::Type => Kind::Type,
            render::Kind::Sequence => Kind::Sequence,
            render::Kind::Function => Kind::Function,
            render::Kind::Procedure => Kind::Procedure,
            render::Kind::Table => Kind::Table,
            render::Kind::Index => Kind::Index,
            render::Kind::Constraint => Kind::Constraint,
            render::Kind::View => Kind::View,
            render::Kind::MaterializedView => Kind::MaterializedView,
            render::Kind::Trigger => Kind::Trigger,
            render::Kind::Policy => Kind::Policy,
            render::Kind::Collation => Kind::Collation,
            render::Kind::Aggregate => Kind::Aggregate,
            render::Kind::DefaultPrivileges => Kind::DefaultPrivileges,
            render::Kind::EventTrigger => Kind::EventTrigger,
            render::Kind::ForeignDataWrapper => Kind::ForeignDataWrapper,
            render::Kind::ForeignServer => Kind::ForeignServer,
            render::Kind::UserMapping => Kind::UserMapping,
            render::Kind::ForeignTable => Kind::ForeignTable,
            render::Kind::Rule => Kind::Rule,
            render::Kind::Publication => Kind::Publication,
            render::Kind::Subscription => Kind::Subscription,
            render::Kind::Statistics => Kind::Statistics,
            render::Kind::TextSearchDictionary => Kind::TextSearchDictionary,
            render::Kind::TextSearchConfiguration => Kind::TextSearchConfiguration,
            render::Kind::Operator => Kind::Operator,
            render::Kind::OperatorFamily => Kind::OperatorFamily,
            render::Kind::OperatorClass => Kind::OperatorClass,
            render::Kind::Cast => Kind::Cast,
        }
    }
}

/// What is compared about an object, and what a difference is about.
/// Declared in the byte order of the keys, so that differences sort as
/// their text does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Aspect {
    /// A composite type's attributes.
    Attributes,
    /// A domain's base type.
    Base,
    /// A domain's checks.
    Checks,
    Collation,
    /// The command a policy applies to.
    Command,
    Comment,
    /// A column's compression method.
    Compression,
    Default,
    Definition,
    /// When a trigger fires.
    Enabled,
    /// `NOT ENFORCED` for a check or foreign key PostgreSQL does not check.
    Enforced,
    /// A difference in the object's existence: missing or extra.
    Exists,
    ForcedRowLevelSecurity,
    Generated,
    Grants,
    Identity,
    IdentityOptions,
    Inherits,
    /// Enum, domain or composite.
    TypeKind,
    /// A rename leftover: the same object under another name.
    Name,
    /// `NOT NULL` or `NULL`.
    Nullability,
    Options,
    OwnedBy,
    /// The role that owns it (compared when the project opts in).
    Owner,
    /// What the owner keeps of its own privileges on a table.
    OwnerPrivileges,
    PartitionKey,
    PartitionOf,
    Permissive,
    ReplicaIdentity,
    Roles,
    RowLevelSecurity,
    /// An extension's schema.
    Schema,
    /// A foreign table's server.
    Server,
    /// A column's statistics target.
    Statistics,
    /// A column's storage.
    Storage,
    /// A column's type, or a constraint's (`primary key`, `check` ...).
    Type,
    Unlogged,
    Using,
    /// `INVALID` for an index a failed concurrent build left.
    Valid,
    /// `NOT VALID` for a constraint not validated yet.
    Validated,
    /// An enum's values.
    Values,
    WithCheck,
}

impl Aspect {
    pub const ALL: [Aspect; 42] = [
        Aspect::Attributes,
        Aspect::Base,
        Aspect::Checks,
        Aspect::Collation,
        Aspect::Command,
        Aspect::Comment,
        Aspect::Compression,
        Aspect::Default,
        Aspect::Definition,
        Aspect::Enabled,
        Aspect::Enforced,
        Aspect::Exists,
        Aspect::ForcedRowLevelSecurity,
        Aspect::Generated,
        Aspect::Grants,
        Aspect::Identity,
        Aspect::IdentityOptions,
        Aspect::Inherits,
        Aspect::TypeKind,
        Aspect::Name,
        Aspect::Nullability,
        Aspect::Options,
        Aspect::OwnedBy,
        Aspect::Owner,
        Aspect::OwnerPrivileges,
        Aspect::PartitionKey,
        Aspect::PartitionOf,
        Aspect::Permissive,
        Aspect::ReplicaIdentity,
        Aspect::Roles,
        Aspect::RowLevelSecurity,
        Aspect::Schema,
        Aspect::Server,
        Aspect::Statistics,
        Aspect::Storage,
        Aspect::Type,
        Aspect::Unlogged,
        Aspect::Using,
        Aspect::Valid,
        Aspect::Validated,
        Aspect::Values,
        Aspect::WithCheck,
    ];

    /// The aspect as reports and the JSON name it.
    pub fn key(self) -> &'static str {
        match self {
            Aspect::Attributes => "attributes",
            Aspect::Base => "base",
            Aspect::Checks => "checks",
            Aspect::Collation => "collation",
            Aspect::Command => "command",
            Aspect::Comment => "comment",
            Aspect::Compression => "compression",
            Aspect::Default => "default",
            Aspect::Definition => "definition",
            Aspect::Enabled => "enabled",
            Aspect::Enforced => "enforced",
            Aspect::Exists => "exists",
            Aspect::ForcedRowLevelSecurity => "forced row level security",
            Aspect::Generated => "generated",
            Aspect::Grants => "grants",
            Aspect::Identity => "identity",
            Aspect::IdentityOptions => "identity options",
            Aspect::Inherits => "inherits",
            Aspect::TypeKind => "kind",
            Aspect::Name => "name",
            Aspect::Nullability => "not null",
            Aspect::Options => "options",
            Aspect::OwnedBy => "owned by",
            Aspect::Owner => "owner",
            Aspect::OwnerPrivileges => "owner privileges",
            Aspect::PartitionKey => "partition key",
            Aspect::PartitionOf => "partition of",
            Aspect::Permissive => "permissive",
            Aspect::ReplicaIdentity => "replica identity",
            Aspect::Roles => "roles",
            Aspect::RowLevelSecurity => "row level security",
            Aspect::Schema => "schema",
            Aspect::Server => "server",
            Aspect::Statistics => "statistics",
            Aspect::Storage => "storage",
            Aspect::Type => "type",
            Aspect::Unlogged => "unlogged",
            Aspect::Using => "using",
            Aspect::Valid => "valid",
            Aspect::Validated => "validated",
            Aspect::Values => "values",
            Aspect::WithCheck => "with check",
        }
    }

    /// Aspects holding an expression the server prints (its spacing,
    /// parentheses and casts are the server's choice).
    pub fn is_expression(self) -> bool {
        matches!(
            self,
            Aspect::Default
                | Aspect::Definition
                | Aspect::Using
                | Aspect::WithCheck
                | Aspect::Generated
                | Aspect::Checks
                | Aspect::PartitionKey
        )
    }
}

impl fmt::Display for Aspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// An object's stable id: its kind and its name as SQL writes it, shown as
/// `kind name` (`column service_ops.packet.status`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    pub kind: Kind,
    /// Qualified and quoted where needed: `s.t.c` for a column,
    /// `s.f(integer)` for a function, `s.i` for an index.
    pub name: String,
}

impl ObjectId {
    pub fn new(kind: Kind, name: impl Into<String>) -> ObjectId {
        ObjectId {
            kind,
            name: name.into(),
        }
    }

    /// The id of what sync's renderer calls `key`.
    pub fn of_unit(key: &render::UnitKey) -> ObjectId {
        ObjectId::new(key.kind.into(), key.qualified.clone())
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports list objects and aspects in the byte order of their text.
    #[test]
    fn kinds_and_aspects_are_declared_in_the_order_of_their_text() {
        let mut labels: Vec<&str> = Kind::ALL.iter().map(|k| k.label()).collect();
        labels.sort();
        let declared: Vec<&str> = Kind::ALL.iter().map(|k| k.label()).collect();
        assert_eq!(declared, labels);
        assert!(Kind::ALL.windows(2).all(|w| w[0] < w[1]));
        let mut keys: Vec<&str> = Aspect::ALL.iter().map(|a| a.key()).collect();
        keys.sort();
        let declared: Vec<&str> = Aspect::ALL.iter().map(|a| a.key()).collect();
        assert_eq!(declared, keys);
        assert!(Aspect::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    /// No label is the start of another, so `kind name` text sorts as
    /// (kind, name) does.
    #[test]
    fn ids_sort_as_their_text() {
        let ids = [
            ObjectId::new(Kind::View, "a"),
            ObjectId::new(Kind::MaterializedView, "z"),
            ObjectId::new(Kind::Table, "s.t"),
            ObjectId::new(Kind::Table, "s.t2"),
            ObjectId::new(Kind::Type, "a"),
        ];
        let mut by_text: Vec<&ObjectId> = ids.iter().collect();
        by_text.sort_by_key(|id| id.to_string());
        let mut by_value: Vec<&ObjectId> = ids.iter().collect();
        by_value.sort();
        assert_eq!(by_text, by_value);
        for a in Kind::ALL {
            for b in Kind::ALL {
                assert!(a == b || !b.label().starts_with(a.label()));
            }
        }
    }
}
