//! The parts of a provider file that let an AI assistant read HR data through Keystep
//! (`keystep mcp`): where the people are and how each common field is read out of them
//! (`[people]`), an applicant tracking system's candidates (`[candidates]`), the fields that
//! carry pay, bank details, national ids and the like (`[sensitive.<category>]`), and the free
//! text written by people outside the company (`[untrusted]`). Parsed as strictly as the rest
//! of the file; `people_rules` checks them against the rest of it. These types come before
//! the schema, which holds them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a provider lists and reads one kind of record: people (`F` = [`PersonFields`]) or
/// candidates (`F` = [`CandidateFields`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listing<F> {
    /// The named host both requests go to.
    pub host: String,
    /// The request that lists records, one page at a time.
    pub list: ListRequest,
    /// The request that reads one record; `{id}` in its path or body is the record's id.
    /// Without one, reading a record pages through the list until it is found.
    #[serde(default)]
    pub get: Option<ListRequest>,
    /// JSON pointer to the array of records in a list answer.
    pub items: String,
    /// JSON pointer to the record in a `get` answer (`""`: the whole answer). A pointer to
    /// an array (HiBob's search answers a list) takes its first element.
    #[serde(default)]
    pub item: String,
    /// How the list is paged.
    pub pagination: Pagination,
    /// Where each common field is read from in a record.
    pub fields: F,
    /// The provider's status values and the common status each means; a value not listed
    /// reads as no common status (the provider's own stays in `provider_status`).
    #[serde(default)]
    pub status: BTreeMap<String, CommonStatus>,
    /// The record's page in the provider's web app: `{id}` and non-secret fields only.
    #[serde(default)]
    pub link: Option<String>,
}

/// One request of a [`Listing`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRequest {
    /// GET, or POST for a read the file lists in `reads`.
    #[serde(default)]
    pub method: ListMethod,
    /// The path below the host's base; may hold `{id}` (a get) or `{page}` (a page number in
    /// the path, as JazzHR pages).
    pub path: String,
    /// Query parameters sent every time (a page size, a field list).
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// A JSON body (POST reads); string values may hold `{id}`.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

/// The method of a [`ListRequest`]: GET, or POST for a search that only reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ListMethod {
    /// GET.
    #[default]
    Get,
    /// POST, when the file lists it in `reads`.
    Post,
}

impl ListMethod {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ListMethod::Get => "GET",
            ListMethod::Post => "POST",
        }
    }
}

/// How a list is paged.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Pagination {
    /// One answer holds every record (HiBob's search).
    None,
    /// A count of records to skip (`$skip`), `size` at a time.
    Offset {
        /// The parameter that takes how many to skip.
        param: String,
        /// The parameter that takes the page size.
        size_param: String,
        /// Records a page.
        size: u32,
    },
    /// A page number, in a parameter or in the path's `{page}`.
    Page {
        /// The parameter that takes the page number; none when the path holds `{page}`.
        #[serde(default)]
        param: Option<String>,
        /// The parameter that takes the page size, if the provider takes one.
        #[serde(default)]
        size_param: Option<String>,
        /// Records a full page holds: a shorter page is the last.
        size: u32,
        /// The first page's number.
        #[serde(default = "one")]
        first: u32,
    },
    /// A token the answer gives for the next page. In a POST list (an RPC-style read), the
    /// token and the page size go in the JSON body instead of the query.
    Cursor {
        /// The parameter that takes the token.
        param: String,
        /// JSON pointer to the next page's token in an answer; absent or empty: the last page.
        /// When the value there is a URL (a `links.next`), the token is that URL's `param`.
        next: String,
        /// The parameter that takes the page size, if any.
        #[serde(default)]
        size_param: Option<String>,
        /// The page size asked for.
        #[serde(default)]
        size: Option<u32>,
    },
    /// The next page's URL is in the answer's `Link` header (`rel="next"`, RFC 8288); its
    /// `param` query parameter is the token, sent back alone in the same parameter (the
    /// page size goes on the first request only).
    Link {
        /// The query parameter of the next URL that holds the token.
        param: String,
        /// The parameter that takes the page size, if any.
        #[serde(default)]
        size_param: Option<String>,
        /// The page size asked for.
        #[serde(default)]
        size: Option<u32>,
    },
}

fn one() -> u32 {
    1
}

/// Where one common field is read from in a record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum FieldSource {
    /// A JSON pointer; a string or number is read as text.
    Pointer(String),
    /// Pointers tried in order (HiBob answers a field nested or under its flat path).
    FirstOf(Vec<String>),
    /// Pointers whose non-empty values are joined with a space (first and last name).
    Join {
        /// The pointers, in order.
        join: Vec<String>,
    },
}

impl FieldSource {
    /// Every pointer it reads.
    pub fn pointers(&self) -> Vec<&str> {
        match self {
            FieldSource::Pointer(p) => vec![p],
            FieldSource::FirstOf(ps) | FieldSource::Join { join: ps } => {
                ps.iter().map(String::as_str).collect()
            }
        }
    }
}

/// Where the common fields of a person are. Only `id` is required: a provider that does not
/// keep a field on the record (Humaans' job title is on a separate job role) leaves it out,
/// and the common shape says `null`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonFields {
    /// The provider's own id of the person (what `get_person` takes).
    pub id: FieldSource,
    /// The full name.
    #[serde(default)]
    pub name: Option<FieldSource>,
    /// The name they go by.
    #[serde(default)]
    pub preferred_name: Option<FieldSource>,
    /// The work email.
    #[serde(default)]
    pub work_email: Option<FieldSource>,
    /// The job title.
    #[serde(default)]
    pub job_title: Option<FieldSource>,
    /// The department (a name, or the provider's id of it).
    #[serde(default)]
    pub department: Option<FieldSource>,
    /// The manager's id, in the same provider's ids.
    #[serde(default)]
    pub manager_id: Option<FieldSource>,
    /// The provider's employment status (mapped through `status`).
    #[serde(default)]
    pub employment_status: Option<FieldSource>,
    /// The start date.
    #[serde(default)]
    pub start_date: Option<FieldSource>,
}

impl PersonFields {
    /// Each common field and its source, in the common shape's order.
    pub fn all(&self) -> Vec<(&'static str, &FieldSource)> {
        let mut out = vec![("id", &self.id)];
        for (name, source) in [
            ("name", &self.name),
            ("preferred_name", &self.preferred_name),
            ("work_email", &self.work_email),
            ("job_title", &self.job_title),
            ("department", &self.department),
            ("manager_id", &self.manager_id),
            ("employment_status", &self.employment_status),
            ("start_date", &self.start_date),
        ] {
            if let Some(s) = source {
                out.push((name, s));
            }
        }
        out
    }
}

/// Where the common fields of a candidate (an applicant tracking system's) are.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateFields {
    /// The provider's own id of the candidate.
    pub id: FieldSource,
    /// The full name.
    #[serde(default)]
    pub name: Option<FieldSource>,
    /// Their email (the provider file says whether it is personal contact data).
    #[serde(default)]
    pub email: Option<FieldSource>,
    /// Their phone number.
    #[serde(default)]
    pub phone: Option<FieldSource>,
    /// The job applied for, by title.
    #[serde(default)]
    pub job_title: Option<FieldSource>,
    /// The job applied for, by the provider's id.
    #[serde(default)]
    pub job_id: Option<FieldSource>,
    /// Where the application stands (the provider's own words).
    #[serde(default)]
    pub stage: Option<FieldSource>,
    /// When they applied.
    #[serde(default)]
    pub applied_at: Option<FieldSource>,
    /// Where they came from (job board, referral).
    #[serde(default)]
    pub source: Option<FieldSource>,
}

impl CandidateFields {
    /// Each common field and its source, in the common shape's order.
    pub fn all(&self) -> Vec<(&'static str, &FieldSource)> {
        let mut out = vec![("id", &self.id)];
        for (name, source) in [
            ("name", &self.name),
            ("email", &self.email),
            ("phone", &self.phone),
            ("job_title", &self.job_title),
            ("job_id", &self.job_id),
            ("stage", &self.stage),
            ("applied_at", &self.applied_at),
            ("source", &self.source),
        ] {
            if let Some(s) = source {
                out.push((name, s));
            }
        }
        out
    }
}

/// The common employment statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommonStatus {
    /// Working there now.
    Active,
    /// Hired, not started yet.
    Pending,
    /// Employed, on leave.
    Leave,
    /// Left.
    Inactive,
}

impl CommonStatus {
    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            CommonStatus::Active => "active",
            CommonStatus::Pending => "pending",
            CommonStatus::Leave => "leave",
            CommonStatus::Inactive => "inactive",
        }
    }

    /// Every status, for schemas.
    pub const ALL: [CommonStatus; 4] = [
        CommonStatus::Active,
        CommonStatus::Pending,
        CommonStatus::Leave,
        CommonStatus::Inactive,
    ];
}

/// A kind of sensitive data: withheld from an assistant until the admin allows it for the
/// account. A closed set, so the window and `keystep mcp --allow` can name each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldCategory {
    /// Salary, pay rate, bonus, equity, pay band.
    Pay,
    /// Bank account numbers (IBAN, BIC).
    Bank,
    /// National, social security and tax ids, identity documents.
    NationalId,
    /// Date of birth, age.
    DateOfBirth,
    /// Home address, personal phone and email, emergency contacts.
    HomeAddress,
    /// Health, disability, benefits, insurance.
    Health,
    /// Gender, ethnicity, nationality, marital status, veteran status.
    Demographics,
    /// Criminal record and similar background checks.
    Background,
}

impl FieldCategory {
    /// Every category, in the order the window lists them.
    pub const ALL: [FieldCategory; 8] = [
        FieldCategory::Pay,
        FieldCategory::Bank,
        FieldCategory::NationalId,
        FieldCategory::DateOfBirth,
        FieldCategory::HomeAddress,
        FieldCategory::Health,
        FieldCategory::Demographics,
        FieldCategory::Background,
    ];

    /// The snake_case wire name (`national_id`), as `--allow` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldCategory::Pay => "pay",
            FieldCategory::Bank => "bank",
            FieldCategory::NationalId => "national_id",
            FieldCategory::DateOfBirth => "date_of_birth",
            FieldCategory::HomeAddress => "home_address",
            FieldCategory::Health => "health",
            FieldCategory::Demographics => "demographics",
            FieldCategory::Background => "background",
        }
    }

    /// The category a wire name names.
    pub fn parse(name: &str) -> Option<FieldCategory> {
        FieldCategory::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// What of a provider's answers belongs to one [`FieldCategory`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitiveRule {
    /// Member names, matched at any depth of any answer (`"salary"` withholds every
    /// `salary` member, whatever it holds), or the last part of a flat path key
    /// (HiBob's `"/payroll/salary"`).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Paths below the host's base whose whole answer is of this category (`*` is one
    /// segment): `/people/*/salaries`.
    #[serde(default)]
    pub paths: Vec<String>,
}

/// Free text written by people outside the company.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UntrustedRule {
    /// Member names, matched at any depth, whose text an outsider wrote (a CV, a cover
    /// letter, answers to a questionnaire).
    pub fields: Vec<String>,
}
