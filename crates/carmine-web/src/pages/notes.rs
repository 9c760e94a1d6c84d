//! Note pages: the home waterfall (discover and following), a note with its image
//! carousel, profiles, compose (a multipart form, so it works without JavaScript),
//! edit, delete, follow.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carmine_accounts::Caller;
use carmine_core::text::{Token, tokens};
use carmine_core::{Error, ErrorCode, Id, Timestamp};
use carmine_notes::{NoteChange, NoteDetail, NoteInput, NotePage, Visibility};
use carmine_store::notes::NoteRecord;
use serde::Deserialize;

use super::{Avatar, Layout, PageForm, done, render, shown_on_form};
use crate::api::notes::{note_page, note_position};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{AdToken, ApiQuery, Member, RequestContext, path_id};

/// A compose form carries up to 18 images.
const COMPOSE_BODY_BYTES_MAX: usize = 128 << 20;
pub(crate) const VISIBILITIES: &[&str] = &["public", "followers", "private"];
/// Related notes under a note.
const RELATED_CARDS: usize = 8;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/following", get(following))
        .route("/notes/{id}", get(show))
        .route("/notes/{id}/delete", post(delete))
        .route("/notes/{id}/unschedule", post(unschedule))
        .route("/u/{username}", get(profile))
        .route("/u/{username}/followers", get(followers))
        .route("/u/{username}/following", get(following_people))
        .route("/notes/{id}/share", post(share))
        .route("/compose", get(compose_page).post(compose_submit).layer(DefaultBodyLimit::max(COMPOSE_BODY_BYTES_MAX)))
        .route(
            "/notes/{id}/edit",
            get(edit_page).post(edit_submit).layer(DefaultBodyLimit::max(COMPOSE_BODY_BYTES_MAX)),
        )
        .route("/follow/{handle}", post(follow))
        .route("/unfollow/{handle}", post(unfollow))
}

pub(crate) struct CoverRow {
    pub(crate) url: String,
    pub(crate) width: i64,
    pub(crate) height: i64,
    pub(crate) color: String,
    /// What the cover shows (empty: not given, the card's title names it).
    pub(crate) alt: String,
}

pub(crate) struct CardRow {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) cover: Option<CoverRow>,
    pub(crate) author_name: String,
    pub(crate) author_path: String,
    pub(crate) author_avatar: Avatar,
    pub(crate) likes: i64,
    pub(crate) draft: bool,
    /// "Why am I seeing this" (the discovery feed only).
    pub(crate) reason: Option<String>,
    /// Search results: the text around the match, matched runs marked.
    pub(crate) snippet: Vec<(String, bool)>,
    /// Search results: the title with its matched runs marked (empty: plain `title`).
    pub(crate) title_runs: Vec<(String, bool)>,
    /// Search results: the search the card was found by (sent with its events).
    pub(crate) search_id: Option<String>,
    /// A sponsored card's ad (it opens through the ad's click link).
    pub(crate) sponsored: Option<super::ads::serving::SponsoredCard>,
}

fn author_path(kind: &str, handle: &str) -> String {
    if kind == "org" { format!("/o/{handle}") } else { format!("/u/{handle}") }
}

impl From<&NoteRecord> for CardRow {
    fn from(note: &NoteRecord) -> Self {
        CardRow {
            id: note.id.to_string(),
            title: if note.title.is_empty() { note.body.chars().take(40).collect() } else { note.title.clone() },
            cover: note.cover.as_ref().map(|c| CoverRow {
                url: format!("/media/{}/{}/grid.jpg", c.media_id, c.url_key),
                width: c.grid_width,
                height: card_cover_height(c.grid_width, c.grid_height),
                color: c.placeholder_color.clone(),
                alt: c.alt_text.clone(),
            }),
            author_name: note.author_name.clone(),
            author_path: author_path(&note.author_kind, &note.author_handle),
            author_avatar: Avatar::of(&note.author_handle, &note.author_name, note.author_avatar.as_deref()),
            likes: note.like_count,
            draft: note.status == "draft",
            reason: None,
            snippet: Vec::new(),
            title_runs: Vec::new(),
            search_id: None,
            sponsored: None,
        }
    }
}

/// A card's cover is shown between 3:4 (portrait) and 4:3 (landscape), cropped to
/// fill, so one very tall or very wide photo never dominates a waterfall column.
fn card_cover_height(width: i64, height: i64) -> i64 {
    height.clamp(width * 3 / 4, width * 4 / 3)
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    pub(crate) cursor: Option<String>,
    pub(crate) done: Option<String>,
}

/// The cards of a page and the link to the next one.
pub(crate) fn cards(state: &AppState, page: &NotePage, path: &str) -> (Vec<CardRow>, Option<String>) {
    let next = note_page(state, page).next_cursor.map(|cursor| format!("{path}?cursor={cursor}"));
    (page.notes.iter().map(CardRow::from).collect(), next)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    tab: &'static str,
    cards: Vec<CardRow>,
    next_page: Option<String>,
    invitations: usize,
}

pub(crate) async fn home(
    State(state): State<AppState>,
    context: RequestContext,
    headers: axum::http::HeaderMap,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let caller = context.caller.as_ref();
    let (ranked, next) = crate::api::feed::discovery_page(&state, caller, 30, q.cursor.as_deref()).await?;
    let mut cards = ranked
        .iter()
        .map(|(r, note)| CardRow { reason: Some(super::notices::feed_reason(&r.reason)), ..CardRow::from(note) })
        .collect();
    // Signed-out visitors are known to ads by a key of their own, given on first visit.
    let known = crate::cookies::visitor(&headers);
    let new_visitor = (caller.is_none() && known.is_none()).then(super::ads::serving::new_visitor_key);
    let viewer = super::ads::serving::PageViewer { caller, visitor: known.or_else(|| new_visitor.clone()) };
    super::ads::serving::sponsor(&state, &viewer, carmine_ads::Placement::Feed, &mut cards, Vec::new(), None).await;
    let next_page = next.map(|cursor| format!("/?cursor={cursor}"));
    let mut response = waterfall(&state, caller, "discover", cards, next_page, q.done.as_deref()).await?;
    if let Some(key) = new_visitor {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, crate::cookies::set_visitor(state.web_config(), &key));
    }
    Ok(response)
}

pub(crate) async fn following(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let (limit, before) = note_position(&state, Some(30), q.cursor.as_deref())?;
    let page = state.notes().following(&caller, before, limit).await?;
    let (cards, next_page) = cards(&state, &page, "/following");
    waterfall(&state, Some(&caller), "following", cards, next_page, q.done.as_deref()).await
}

async fn waterfall(
    state: &AppState,
    caller: Option<&Caller>,
    tab: &'static str,
    cards: Vec<CardRow>,
    next_page: Option<String>,
    done: Option<&str>,
) -> Result<Response, ApiError> {
    let invitations = match caller {
        Some(caller) => state.accounts().my_invitations(caller).await?.len(),
        None => 0,
    };
    Ok(render(&HomePage { layout: Layout::with(caller, done, None), tab, cards, next_page, invitations }, None))
}

/// An image of a carousel (`carousel.html`).
pub(crate) struct ImageRow {
    pub(crate) id: String,
    pub(crate) url: String,
    pub(crate) width: i64,
    pub(crate) height: i64,
    pub(crate) color: String,
    /// What it shows, in the author's words (empty: not given).
    pub(crate) alt: String,
    /// Products pinned on it (note pages).
    pub(crate) pins: Vec<super::commerce::tags::PinRow>,
}

impl ImageRow {
    /// The detail rendition of an image.
    pub(crate) fn detail(m: &carmine_store::media::MediaRecord) -> ImageRow {
        ImageRow {
            id: m.id.to_string(),
            url: format!("/media/{}/{}/detail.jpg", m.id, m.url_key),
            width: m.width,
            height: m.height,
            color: m.placeholder_color.clone(),
            alt: m.alt_text.clone(),
            pins: Vec::new(),
        }
    }
}

/// A carousel's aspect ratio: its first image's, kept between 4:3 and 3:4.
pub(crate) fn carousel_ratio(media: &[carmine_store::media::MediaRecord]) -> String {
    media.first().map_or_else(
        || "3 / 4".to_owned(),
        |m| format!("{} / {}", m.width, m.height.clamp(m.width * 3 / 4, m.width * 4 / 3)),
    )
}

struct Segment {
    kind: &'static str,
    text: String,
    link: String,
}

struct NoteRow {
    id: String,
    title: String,
    segments: Vec<Segment>,
    /// Topics given beside the text (those written in it are links there already),
    /// with their links.
    extra_topics: Vec<(String, String)>,
    location: Option<String>,
    images: Vec<ImageRow>,
    /// The carousel's shape: the first image's, between 3:4 and 4:3 ("w / h").
    ratio: String,
    author_name: String,
    author_handle: String,
    author_kind: String,
    author_path: String,
    author_avatar: Avatar,
    published_at: Timestamp,
    visibility: String,
    status: String,
    limited: bool,
    likes: i64,
    saves: i64,
    shares: i64,
    comments: i64,
    editable: bool,
    /// A draft scheduled to publish itself: when (RFC 3339, UTC).
    publish_at: Option<String>,
}

/// The body as text, topics and links to mentioned members (only those that exist).
fn segments(detail: &NoteDetail) -> Vec<Segment> {
    tokens(&detail.note.body)
        .into_iter()
        .map(|token| match token {
            Token::Mention(name) if detail.mentions.contains(&name) => {
                Segment { kind: "mention", link: name.clone(), text: name }
            }
            Token::Mention(name) => Segment { kind: "text", text: format!("@{name}"), link: String::new() },
            Token::Topic { written, normalized } => Segment {
                kind: "topic",
                link: super::topic_href(normalized.as_deref().unwrap_or(&written)),
                text: written,
            },
            Token::Text(text) => Segment { kind: "text", text, link: String::new() },
        })
        .collect()
}

impl From<&NoteDetail> for NoteRow {
    fn from(detail: &NoteDetail) -> Self {
        let note = &detail.note;
        let segments = segments(detail);
        let written = carmine_core::text::parse_topics(&note.body);
        let ratio = carousel_ratio(&detail.media);
        NoteRow {
            id: note.id.to_string(),
            title: note.title.clone(),
            extra_topics: detail
                .topics
                .iter()
                .filter(|t| !written.contains(t))
                .map(|t| (t.clone(), super::topic_href(t)))
                .collect(),
            segments,
            ratio,
            location: note.location.clone(),
            images: detail.media.iter().map(ImageRow::detail).collect(),
            author_name: note.author_name.clone(),
            author_handle: note.author_handle.clone(),
            author_kind: note.author_kind.clone(),
            author_path: author_path(&note.author_kind, &note.author_handle),
            author_avatar: Avatar::of(&note.author_handle, &note.author_name, note.author_avatar.as_deref()),
            published_at: note.published_at.unwrap_or(note.created_at),
            visibility: note.visibility.clone(),
            status: note.status.clone(),
            limited: note.moderation != "none",
            likes: note.like_count,
            saves: note.save_count,
            shares: note.share_count,
            comments: note.comment_count,
            editable: detail.editable,
            publish_at: note.publish_at.map(Timestamp::to_rfc3339),
        }
    }
}

#[derive(Template)]
#[template(path = "note.html")]
struct NotePageTemplate {
    layout: Layout,
    note: NoteRow,
    can_follow: bool,
    following: bool,
    liked: bool,
    saved: bool,
    boards: Vec<super::boards::BoardChip>,
    threads: Vec<super::engagement::ThreadRow>,
    more_comments: Option<String>,
    report_kind: &'static str,
    report_id: String,
    report_return: String,
    report_reasons: &'static [&'static str],
    /// For those who may read the note's statistics.
    stats: Option<crate::api::events::CountersView>,
    /// Its way through the traffic pools (with the statistics).
    journey: Option<crate::api::feed::JourneyView>,
    related: Vec<CardRow>,
    /// The products the note tags (cards; their pins are on `note.images`).
    products: super::commerce::tags::NoteProducts,
    /// The link preview other apps show (Open Graph), for published public notes.
    preview: Option<super::LinkPreview>,
}

#[derive(Deserialize, Default)]
pub(crate) struct NoteQuery {
    done: Option<String>,
    comments_before: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    context: RequestContext,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<NoteQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let visitor = crate::cookies::visitor(&headers);
    let page = NotePageAsked { done: q.done.as_deref(), comments_before: q.comments_before.as_deref(), visitor };
    note_page_response(&state, context.caller.as_ref(), id, page, None).await
}

/// What a request for a note page brings besides the note.
#[derive(Default)]
pub(crate) struct NotePageAsked<'a> {
    pub done: Option<&'a str>,
    pub comments_before: Option<&'a str>,
    /// A signed-out visitor's key (sponsored related notes).
    pub visitor: Option<String>,
}

/// The note page with its comments; `error` re-shows it after a refused comment.
pub(crate) async fn note_page_response(
    state: &AppState,
    caller: Option<&Caller>,
    id: Id,
    asked: NotePageAsked<'_>,
    error: Option<&Error>,
) -> Result<Response, ApiError> {
    let NotePageAsked { done, comments_before, visitor } = asked;
    let detail = state.notes().get(caller, id).await?;
    let following = state.notes().is_following(caller, detail.note.author_id).await?;
    let liked = state.notes().likes(caller, id).await?;
    let saved = state.notes().saved_in(caller, id).await?.is_some();
    let boards = super::boards::own_boards(state, caller).await?;
    let can_follow = caller.is_some_and(|c| c.user_id != detail.note.author_id);
    let before = comments_before.and_then(|b| b.parse::<Id>().ok());
    let comments = state.notes().comments(caller, id, before, 20).await?;
    let shown: Vec<Id> = comments
        .threads
        .iter()
        .flat_map(|t| std::iter::once(t.comment.id).chain(t.replies.iter().map(|r| r.id)))
        .collect();
    let liked_comments = state.notes().liked_comments(caller, &shown).await?;
    let threads = super::engagement::thread_rows(&comments, caller, detail.editable, &liked_comments);
    let more_comments = comments.next.map(|next| format!("/notes/{id}?comments_before={next}#comments"));
    let stats = match caller {
        Some(caller) if detail.note.status == "published" => match state.statistics().for_note(caller, id).await {
            Ok(stats) => Some(crate::api::events::counters_view(state, &stats.totals)),
            Err(e) if matches!(e.code, ErrorCode::Forbidden | ErrorCode::NoteNotFound) => None,
            Err(e) => return Err(e.into()),
        },
        _ => None,
    };
    let journey = stats.as_ref().and_then(|_| state.feed().journey(id)).map(|j| crate::api::feed::journey_view(&j));
    let related_ids = state.feed().related(id, caller.map(|c| c.user_id), RELATED_CARDS);
    let mut related: Vec<CardRow> =
        state.notes().visible_records(caller, &related_ids).await?.iter().map(CardRow::from).collect();
    if detail.note.status == "published" {
        let viewer = super::ads::serving::PageViewer { caller, visitor: visitor.clone() };
        let topics = detail.topics.clone();
        super::ads::serving::sponsor(state, &viewer, carmine_ads::Placement::Related, &mut related, topics, None).await;
    }
    let preview = (detail.note.status == "published" && detail.note.visibility == "public").then(|| {
        let base = &state.web_config().public_url;
        super::LinkPreview {
            kind: "article",
            title: if detail.note.title.is_empty() {
                detail.note.author_name.clone()
            } else {
                detail.note.title.clone()
            },
            description: detail.note.body.chars().take(120).collect(),
            image: detail.media.first().map(|m| format!("{base}/media/{}/{}/detail.jpg", m.id, m.url_key)),
            url: format!("{base}/notes/{}", detail.note.id),
        }
    });
    let layout = Layout::with(caller, done, error);
    let mut note = NoteRow::from(&detail);
    let products = super::commerce::tags::note_products(state, &layout, caller, id, &mut note.images).await?;
    let page = NotePageTemplate {
        preview,
        journey,
        related,
        layout,
        note,
        products,
        can_follow,
        following,
        liked,
        saved,
        boards,
        threads,
        more_comments,
        report_kind: "note",
        report_id: id.to_string(),
        report_return: format!("/notes/{id}"),
        report_reasons: carmine_notes::safety::REPORT_REASONS,
        stats,
    };
    Ok(render(&page, error))
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    layout: Layout,
    blocked: bool,
    muted: bool,
    report_kind: &'static str,
    report_id: String,
    report_return: String,
    report_reasons: &'static [&'static str],
    boards: Vec<super::boards::BoardChip>,
    name: String,
    handle: String,
    avatar: Avatar,
    kind: String,
    bio: String,
    followers: i64,
    following: i64,
    /// Likes and saves the member's notes received.
    received: i64,
    /// `notes`, `boards` or `liked`.
    tab: &'static str,
    followed: bool,
    can_follow: bool,
    is_me: bool,
    /// Makes a double-submitted gift form send one gift.
    gift_key: String,
    gift_presets: [i64; 5],
    /// The caller's coins, shown in the gift sheet (another member's page only).
    my_coins: Option<i64>,
    cards: Vec<CardRow>,
    next_page: Option<String>,
    preview: Option<super::LinkPreview>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ProfileQuery {
    /// `notes` (the default), `boards`, or `liked` (the member's own page only).
    tab: Option<String>,
    cursor: Option<String>,
    /// The liked tab's position: a like time (µs).
    before: Option<i64>,
    done: Option<String>,
}

pub(crate) async fn profile(
    State(state): State<AppState>,
    context: RequestContext,
    Path(username): Path<String>,
    ApiQuery(q): ApiQuery<ProfileQuery>,
) -> Result<Response, ApiError> {
    let actor = state.notes().actor(&username).await?;
    if actor.kind == "org" {
        return Ok(Redirect::to(&format!("/o/{}", actor.handle)).into_response());
    }
    let caller = context.caller.as_ref();
    let is_me = caller.is_some_and(|c| c.user_id == actor.id);
    let my_coins = match caller {
        Some(c) if !is_me => Some(super::money::coins_of(&state, c.user_id).await?),
        _ => None,
    };
    let tab = match q.tab.as_deref() {
        Some("boards") => "boards",
        Some("liked") if is_me => "liked",
        _ => "notes",
    };
    let here = format!("/u/{}", actor.handle);
    let (cards, next_page) = match (tab, caller) {
        ("liked", Some(caller)) => {
            let (liked, next) = state.notes().liked_notes(caller, q.before, 30).await?;
            (liked.iter().map(CardRow::from).collect(), next.map(|at| format!("{here}?tab=liked&before={at}")))
        }
        ("notes", _) => {
            let (limit, before) = note_position(&state, Some(30), q.cursor.as_deref())?;
            let page = state.notes().by_author(caller, &actor, before, limit).await?;
            cards(&state, &page, &here)
        }
        _ => (Vec::new(), None),
    };
    let counts = state.notes().follow_counts(actor.id).await?;
    let (likes_received, saves_received) = state.notes().received_engagement(actor.id).await?;
    let followed = state.notes().is_following(caller, actor.id).await?;
    let public = state.accounts().public_profile(actor.id).await?;
    let bio = public.bio;
    let boards = state.notes().boards_of(caller, &actor).await?.iter().map(super::boards::BoardChip::from).collect();
    let (blocked, muted) = state.notes().relation(caller, actor.id).await?;
    let page = ProfilePage {
        blocked,
        muted,
        report_kind: "member",
        report_id: actor.id.to_string(),
        report_return: format!("/u/{}", actor.handle),
        report_reasons: carmine_notes::safety::REPORT_REASONS,
        boards,
        layout: Layout::with(caller, q.done.as_deref(), None),
        preview: Some(super::LinkPreview {
            kind: "profile",
            title: format!("{} (@{})", actor.name, actor.handle),
            description: bio.chars().take(120).collect(),
            image: None,
            url: format!("{}/u/{}", state.web_config().public_url, actor.handle),
        }),
        avatar: Avatar::of(&actor.handle, &actor.name, public.avatar_url.as_deref()),
        name: actor.name,
        handle: actor.handle,
        kind: actor.kind,
        bio,
        followers: counts.followers,
        following: counts.following,
        received: likes_received + saves_received,
        tab,
        followed,
        can_follow: caller.is_some() && !is_me,
        is_me,
        gift_key: carmine_core::secret::random_token(16),
        gift_presets: super::money::GIFT_PRESETS,
        my_coins,
        cards,
        next_page,
    };
    Ok(render(&page, None))
}

#[derive(Template)]
#[template(path = "compose.html")]
struct ComposePage {
    layout: Layout,
    editing: Option<String>,
    authors: Vec<String>,
    title: String,
    body: String,
    topics: String,
    location: String,
    visibility: String,
    visibilities: &'static [&'static str],
    /// Editing: the note's images, each kept unless unticked.
    current: Vec<ImageRow>,
    /// The `datetime-local` value of "publish later", kept when the form comes back.
    publish_at: String,
}

impl ComposePage {
    fn blank(layout: Layout, authors: Vec<String>) -> Self {
        ComposePage {
            layout,
            editing: None,
            authors,
            title: String::new(),
            body: String::new(),
            topics: String::new(),
            location: String::new(),
            visibility: "public".to_owned(),
            visibilities: VISIBILITIES,
            current: Vec::new(),
            publish_at: String::new(),
        }
    }
}

/// The organizations the caller may post for.
async fn postable_orgs(state: &AppState, caller: &Caller) -> Result<Vec<String>, ApiError> {
    let orgs = state.accounts().my_orgs(caller).await?;
    Ok(orgs
        .into_iter()
        .filter(|(_, role)| role.allows(carmine_accounts::orgs::OrgAction::ActAsOrg))
        .map(|(org, _)| org.handle)
        .collect())
}

pub(crate) async fn compose_page(State(state): State<AppState>, Member(caller): Member) -> Result<Response, ApiError> {
    let authors = postable_orgs(&state, &caller).await?;
    Ok(render(&ComposePage::blank(Layout::new(Some(&caller)), authors), None))
}

fn split_topics(raw: &str) -> Vec<String> {
    raw.split(|c: char| c.is_whitespace() || c == ',' || c == '，')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A compose or edit form as it arrives: text fields, images to keep, new images.
#[derive(Default)]
struct NoteForm {
    title: String,
    body: String,
    topics: String,
    location: String,
    visibility: String,
    author: String,
    publish: bool,
    /// `action=schedule`: the `datetime-local` value, read in the browser's offset.
    schedule: bool,
    publish_at: String,
    /// Minutes east of UTC, filled in by the page's script (UTC without it).
    utc_offset: i64,
    keep: Vec<String>,
    images: Vec<Vec<u8>>,
    /// What each new image shows (`alt` fields, in the images' order).
    alts: Vec<String>,
    /// What kept images show (`alt_<media id>` fields).
    kept_alts: Vec<(String, String)>,
}

impl NoteForm {
    /// The time a scheduled note publishes itself, when the form schedules one.
    fn publish_at(&self) -> Result<Option<Timestamp>, Error> {
        if !self.schedule {
            return Ok(None);
        }
        Timestamp::parse_local(&self.publish_at, self.utc_offset)
            .map(Some)
            .ok_or_else(|| Error::invalid_field("publish_at", "pick a date and time to publish"))
    }
}

async fn read_note_form(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<NoteForm, Error> {
    let mut form = NoteForm { publish: true, visibility: "public".to_owned(), ..NoteForm::default() };
    for (name, part) in crate::pages::multipart::read(multipart, &["images"]).await? {
        let value = match part {
            crate::pages::multipart::Part::File(bytes) => {
                if !bytes.is_empty() {
                    form.images.push(bytes);
                }
                continue;
            }
            crate::pages::multipart::Part::Text(value) => value,
        };
        match name.as_str() {
            "title" => form.title = value,
            "body" => form.body = value,
            "topics" => form.topics = value,
            "location" => form.location = value,
            "visibility" => form.visibility = value,
            "author" => form.author = value,
            "action" => {
                form.publish = value == "publish";
                form.schedule = value == "schedule";
            }
            "publish_at" => form.publish_at = value,
            "utc_offset" => form.utc_offset = value.trim().parse().unwrap_or(0),
            "keep" => form.keep.push(value),
            "alt" => form.alts.push(value),
            other if other.starts_with("alt_") => form.kept_alts.push((other[4..].to_owned(), value)),
            _ => {}
        }
    }
    if form.images.len() + form.keep.len() > carmine_core::limits::NOTE_IMAGES_MAX {
        return Err(Error::broke_rule(
            "media_ids",
            carmine_core::FieldRule::TooMany(carmine_core::limits::NOTE_IMAGES_MAX),
        ));
    }
    // Every alt text is checked before anything is uploaded: a bad one changes nothing.
    for alt in form.alts.iter().chain(form.kept_alts.iter().map(|(_, alt)| alt)) {
        carmine_core::text::bounded_text("alt_text", alt, 0, carmine_core::limits::ALT_TEXT_CHARS_MAX, false)?;
    }
    Ok(form)
}

/// Uploads a form's new images, each with what it shows; they join the note in the
/// order chosen.
pub(crate) async fn upload_all(
    state: &AppState,
    caller: &Caller,
    images: Vec<Vec<u8>>,
    alts: &[String],
) -> Result<Vec<Id>, Error> {
    let mut ids = Vec::with_capacity(images.len());
    for (n, bytes) in images.into_iter().enumerate() {
        let id = state.media().upload(caller.user_id, bytes).await?.id;
        if let Some(alt) = alts.get(n).filter(|a| !a.trim().is_empty()) {
            state.media().describe(caller.user_id, id, alt).await?;
        }
        ids.push(id);
    }
    Ok(ids)
}

pub(crate) async fn compose_submit(
    State(state): State<AppState>,
    Member(caller): Member,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let form = read_note_form(multipart).await?;
    let mut page = ComposePage::blank(Layout::new(Some(&caller)), postable_orgs(&state, &caller).await?);
    (page.title, page.body, page.topics, page.location, page.visibility) =
        (form.title.clone(), form.body.clone(), form.topics.clone(), form.location.clone(), form.visibility.clone());
    page.publish_at = form.publish_at.clone();
    let publish_at = form.publish_at();
    let (author, publish, images, alts) = (form.author, form.publish, form.images, form.alts);
    let outcome = async {
        let publish_at = publish_at?;
        let visibility = Visibility::parse(&page.visibility)?;
        let media_ids = upload_all(&state, &caller, images, &alts).await?;
        let input = NoteInput {
            author: Some(author.clone()).filter(|a| !a.is_empty()),
            title: page.title.clone(),
            body: page.body.clone(),
            location: Some(page.location.clone()).filter(|l| !l.trim().is_empty()),
            visibility,
            topics: split_topics(&page.topics),
            media_ids,
            publish,
            publish_at,
        };
        state.notes().create(&caller, &input).await
    };
    match outcome.await {
        Ok(detail) => {
            let notice = match (publish, detail.note.publish_at) {
                (true, _) => "note_published",
                (false, Some(_)) => "note_scheduled",
                (false, None) => "note_drafted",
            };
            Ok(done(&format!("/notes/{}", detail.note.id), notice))
        }
        Err(error) => {
            let error = shown_on_form(error)?;
            page.layout = Layout::with(Some(&caller), None, Some(&error));
            Ok(render(&page, Some(&error)))
        }
    }
}

pub(crate) async fn edit_page(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let detail = state.notes().get(Some(&caller), id).await?;
    if !detail.editable {
        return Err(Error::new(ErrorCode::Forbidden).into());
    }
    Ok(render(&edit_form(&caller, &detail, None), None))
}

fn edit_form(caller: &Caller, detail: &NoteDetail, error: Option<&Error>) -> ComposePage {
    let note = &detail.note;
    ComposePage {
        layout: Layout::with(Some(caller), None, error),
        editing: Some(note.id.to_string()),
        authors: Vec::new(),
        title: note.title.clone(),
        body: note.body.clone(),
        topics: detail.topics.join(" "),
        location: note.location.clone().unwrap_or_default(),
        visibility: note.visibility.clone(),
        visibilities: VISIBILITIES,
        current: NoteRow::from(detail).images,
        publish_at: String::new(),
    }
}

pub(crate) async fn edit_submit(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let form = read_note_form(multipart).await?;
    let outcome = async {
        let visibility = Visibility::parse(&form.visibility)?;
        let mut media_ids = Vec::with_capacity(form.keep.len() + form.images.len());
        for keep in &form.keep {
            media_ids
                .push(keep.parse::<Id>().map_err(|_| Error::invalid_field("media_ids", "not an image of this note"))?);
        }
        for (media, alt) in &form.kept_alts {
            if let Ok(media) = media.parse::<Id>()
                && media_ids.contains(&media)
            {
                state.media().describe(caller.user_id, media, alt).await?;
            }
        }
        media_ids.extend(upload_all(&state, &caller, form.images.clone(), &form.alts).await?);
        let change = NoteChange {
            title: Some(form.title.clone()),
            body: Some(form.body.clone()),
            location: Some(form.location.clone()),
            visibility: Some(visibility),
            topics: Some(split_topics(&form.topics)),
            media_ids: Some(media_ids),
            publish: None,
            publish_at: None,
        };
        state.notes().update(&caller, id, &change).await
    };
    match outcome.await {
        Ok(_) => Ok(done(&format!("/notes/{id}"), "note_edited")),
        Err(error) => {
            let error = shown_on_form(error)?;
            let detail = state.notes().get(Some(&caller), id).await?;
            let mut page = edit_form(&caller, &detail, Some(&error));
            (page.title, page.body, page.topics, page.location) = (form.title, form.body, form.topics, form.location);
            Ok(render(&page, Some(&error)))
        }
    }
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: Id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().delete(&caller, id).await?;
    Ok(done(&format!("/u/{}", caller.username), "note_deleted"))
}

#[derive(Deserialize)]
pub(crate) struct FollowForm {
    return_to: Option<String>,
    /// The note whose page the follow button was on.
    from_note: Option<String>,
}

/// Where to go after following: a path on this site, or the actor's profile.
fn back(return_to: Option<String>, kind: &str, handle: &str) -> String {
    super::local_path(return_to, || author_path(kind, handle))
}

pub(crate) async fn follow(
    State(state): State<AppState>,
    Member(caller): Member,
    ad: AdToken,
    Path(handle): Path<String>,
    PageForm(form): PageForm<FollowForm>,
) -> Result<Response, ApiError> {
    let from_note = form.from_note.as_deref().map(|raw| path_id(raw, ErrorCode::NoteNotFound)).transpose()?;
    let via_ad = match from_note {
        Some(note) => ad.via(&state, &caller, note).await,
        None => None,
    };
    let actor = state.notes().follow(&caller, &handle, from_note, via_ad).await?;
    Ok(Redirect::to(&back(form.return_to, &actor.kind, &actor.handle)).into_response())
}

pub(crate) async fn unfollow(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(handle): Path<String>,
    PageForm(form): PageForm<FollowForm>,
) -> Result<Response, ApiError> {
    let actor = state.notes().unfollow(&caller, &handle).await?;
    Ok(Redirect::to(&back(form.return_to, &actor.kind, &actor.handle)).into_response())
}

async fn share(
    State(state): State<AppState>,
    Member(caller): Member,
    ad: AdToken,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    state.notes().share(&caller, id, ad.via(&state, &caller, id).await).await?;
    Ok(done(&format!("/notes/{id}"), "note_shared"))
}

struct PersonRow {
    handle: String,
    kind: String,
    name: String,
}

#[derive(Template)]
#[template(path = "follow_list.html")]
struct FollowListPage {
    layout: Layout,
    title: String,
    handle: String,
    people: Vec<PersonRow>,
    next_page: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct SinceQuery {
    before: Option<i64>,
}

async fn follow_list(
    state: &AppState,
    caller: Option<&Caller>,
    username: &str,
    before: Option<i64>,
    followers: bool,
) -> Result<Response, ApiError> {
    let actor = state.notes().actor(username).await?;
    let (rows, next) = if followers {
        state.notes().followers(actor.id, before, 50).await?
    } else {
        state.notes().following_list(actor.id, before, 50).await?
    };
    let which = if followers { "followers" } else { "following" };
    let layout = Layout::new(caller);
    let page = FollowListPage {
        title: layout.t1(if followers { "people-followers-of" } else { "people-followed-by" }, "name", &actor.name),
        layout,
        people: rows
            .iter()
            .map(|e| PersonRow { handle: e.handle.clone(), kind: e.kind.clone(), name: e.name.clone() })
            .collect(),
        next_page: next.map(|n| format!("/u/{}/{which}?before={n}", actor.handle)),
        handle: actor.handle,
    };
    Ok(render(&page, None))
}

async fn followers(
    State(state): State<AppState>,
    context: RequestContext,
    Path(username): Path<String>,
    ApiQuery(q): ApiQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    follow_list(&state, context.caller.as_ref(), &username, q.before, true).await
}

async fn following_people(
    State(state): State<AppState>,
    context: RequestContext,
    Path(username): Path<String>,
    ApiQuery(q): ApiQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    follow_list(&state, context.caller.as_ref(), &username, q.before, false).await
}

pub(crate) async fn unschedule(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::NoteNotFound)?;
    let change = NoteChange { publish_at: Some(None), ..NoteChange::default() };
    state.notes().update(&caller, id, &change).await?;
    Ok(done(&format!("/notes/{id}"), "note_unscheduled"))
}
