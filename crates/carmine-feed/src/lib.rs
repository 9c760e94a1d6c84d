//! The discovery feed (ADR 0013): an in-memory index of notes, members and traffic
//! pools kept current from the logs (`model`, `live`), the ranker with its candidate
//! sources, diversity step and explanations (`rank`), the fairness report
//! (`fairness`), and the offline evaluator behind `carmine eval feed` (`eval`).

mod ids;

pub mod eval;
pub mod fairness;
pub mod live;
pub mod model;
pub mod rank;
pub mod settings;

pub use fairness::{Fairness, fairness};
pub use ids::{IdMap, IdSet};
pub use live::{Feed, FeedCursor, FeedIndex, FeedPage, Journey, TopicSummary};
pub use model::{Action, FeedModel, PoolStatus, Reach, Sight, Signal, Tally};
pub use rank::{FeedRequest, Ranked, Reason, ScoreParts, Sources};
pub use settings::{FeedSettings, Pool};
