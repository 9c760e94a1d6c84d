//! Pages of one's own account: home, sign-up, log-in, log-out and settings.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use carmine_accounts::Caller;
use carmine_accounts::members::{DemographicsInput, GENDERS, ProfileChange};
use carmine_accounts::session::SignupInput;
use carmine_core::{Error, ErrorCode, Timestamp};
use carmine_store::users::UserRecord;
use serde::Deserialize;

use super::{Done, Layout, PageForm, done, render, shown_on_form};
use crate::api::auth::{check_signup_quota, client_info};
use crate::app::AppState;
use crate::cookies;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member, RequestContext, path_id};

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    layout: Layout,
    username: String,
    display_name: String,
    /// Where to go once signed up (after picking interests): a path on this site.
    next: String,
    /// The log-in page, carrying `next`.
    other_href: String,
}

/// `?next=` on the log-in and sign-up pages.
#[derive(Deserialize, Default)]
pub(crate) struct NextQuery {
    next: Option<String>,
    done: Option<String>,
}

/// A `next` that may be followed: a path on this site, else nothing.
fn next_of(next: Option<String>) -> String {
    super::local_path(next, String::new)
}

/// `page` (`/login`, `/signup`, `/welcome`) carrying `next`.
fn with_next(page: &str, next: &str) -> String {
    if next.is_empty() { page.to_owned() } else { format!("{page}?next={}", super::encode(next)) }
}

pub(crate) async fn signup_page(context: RequestContext, ApiQuery(q): ApiQuery<NextQuery>) -> Response {
    let next = next_of(q.next);
    if context.caller.is_some() {
        return Redirect::to(if next.is_empty() { "/" } else { &next }).into_response();
    }
    let other_href = with_next("/login", &next);
    render(
        &SignupPage {
            layout: Layout::new(None),
            username: String::new(),
            display_name: String::new(),
            next,
            other_href,
        },
        None,
    )
}

#[derive(Deserialize)]
pub(crate) struct SignupForm {
    username: String,
    password: String,
    #[serde(default)]
    display_name: String,
    next: Option<String>,
}

pub(crate) async fn signup_submit(
    State(state): State<AppState>,
    context: RequestContext,
    headers: HeaderMap,
    PageForm(form): PageForm<SignupForm>,
) -> Result<Response, ApiError> {
    check_signup_quota(&state, &context)?;
    let next = next_of(form.next.clone());
    let display_name = Some(form.display_name.as_str()).filter(|n| !n.trim().is_empty());
    let input = SignupInput { username: &form.username, password: &form.password, display_name };
    match state.accounts().signup(&input, &client_info(&context, &headers)).await {
        Ok(authenticated) => Ok(logged_in(&state, &authenticated.session_token, &with_next("/welcome", &next))),
        Err(error) => {
            let error = shown_on_form(error)?;
            let page = SignupPage {
                layout: Layout::with(None, None, Some(&error)),
                username: form.username,
                display_name: form.display_name,
                other_href: with_next("/login", &next),
                next,
            };
            Ok(render(&page, Some(&error)))
        }
    }
}

fn logged_in(state: &AppState, token: &str, to: &str) -> Response {
    let cookie = cookies::set_session(state.web_config(), token, state.accounts().config().session_absolute_seconds);
    ([(header::SET_COOKIE, cookie)], Redirect::to(to)).into_response()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    username: String,
    /// Where to go once logged in: a path on this site (empty: home).
    next: String,
    /// The sign-up page, carrying `next`.
    other_href: String,
}

pub(crate) async fn login_page(context: RequestContext, ApiQuery(q): ApiQuery<NextQuery>) -> Response {
    let next = next_of(q.next);
    if context.caller.is_some() {
        return Redirect::to(if next.is_empty() { "/" } else { &next }).into_response();
    }
    let other_href = with_next("/signup", &next);
    let layout = Layout::with(None, q.done.as_deref(), None);
    render(&LoginPage { layout, username: String::new(), next, other_href }, None)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub(crate) async fn login_submit(
    State(state): State<AppState>,
    context: RequestContext,
    headers: HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> Result<Response, ApiError> {
    let previous = cookies::read(&headers, state.web_config().session_cookie_name());
    let next = next_of(form.next.clone());
    match state
        .accounts()
        .login(&form.username, &form.password, &client_info(&context, &headers), previous.as_deref())
        .await
    {
        Ok(authenticated) => {
            Ok(logged_in(&state, &authenticated.session_token, if next.is_empty() { "/" } else { &next }))
        }
        Err(error) if error.code == ErrorCode::Internal => Err(ApiError(error)),
        Err(error) => {
            let other_href = with_next("/signup", &next);
            let page =
                LoginPage { layout: Layout::with(None, None, Some(&error)), username: form.username, next, other_href };
            let mut response = render(&page, Some(&error));
            crate::error::add_retry_after(&mut response, &error);
            Ok(response)
        }
    }
}

pub(crate) async fn logout(State(state): State<AppState>, Member(caller): Member) -> Result<Response, ApiError> {
    state.accounts().logout(&caller).await?;
    Ok(([(header::SET_COOKIE, cookies::clear_session(state.web_config()))], done("/login", "logged_out"))
        .into_response())
}

struct TokenRow {
    id: String,
    name: String,
    prefix: String,
    created_at: Timestamp,
    last_used_at: Option<Timestamp>,
}

struct SessionRow {
    id: String,
    /// "Chrome on macOS", from the user agent; `None`: it named nothing we know.
    device: Option<(&'static str, &'static str)>,
    ip: String,
    last_seen_at: Timestamp,
    current: bool,
}

/// The browser and system a user agent names, as people call them.
fn device_of(user_agent: &str) -> Option<(&'static str, &'static str)> {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| name)?;
    let system = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map_or("", |(_, name)| name);
    Some((browser, system))
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    sessions: Vec<SessionRow>,
    layout: Layout,
    user: UserRecord,
    consented: bool,
    birth_year: String,
    gender: String,
    city: String,
    genders: &'static [&'static str],
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
}

async fn settings_page(
    state: &AppState,
    caller: &Caller,
    done: Option<&str>,
    error: Option<&Error>,
    new_token: Option<String>,
) -> Result<Response, ApiError> {
    let user = state.accounts().profile(caller).await?;
    let tokens = state.accounts().list_tokens(caller).await?;
    let sessions = state.accounts().list_sessions(caller).await?;
    let demographics = user.demographics.clone();
    let page = SettingsPage {
        layout: Layout::with(Some(caller), done, error),
        consented: demographics.is_some(),
        birth_year: demographics.as_ref().and_then(|d| d.birth_year).map(|y| y.to_string()).unwrap_or_default(),
        gender: demographics.as_ref().and_then(|d| d.gender.clone()).unwrap_or_default(),
        city: demographics.as_ref().and_then(|d| d.city.clone()).unwrap_or_default(),
        genders: GENDERS,
        sessions: sessions
            .iter()
            .map(|s| SessionRow {
                id: s.id.to_string(),
                device: device_of(&s.user_agent),
                ip: s.ip.clone(),
                last_seen_at: s.last_seen_at,
                current: Some(s.id) == caller.session_id(),
            })
            .collect(),
        tokens: tokens
            .iter()
            .map(|t| TokenRow {
                id: t.id.to_string(),
                name: t.name.clone(),
                prefix: t.prefix.clone(),
                created_at: t.created_at,
                last_used_at: t.last_used_at,
            })
            .collect(),
        new_token,
        user,
    };
    Ok(render(&page, error))
}

pub(crate) async fn settings(
    State(state): State<AppState>,
    Member(caller): Member,
    ApiQuery(q): ApiQuery<Done>,
) -> Result<Response, ApiError> {
    settings_page(&state, &caller, q.done.as_deref(), None, None).await
}

/// Runs a settings form's action: on success redirect with `notice`, on a refused
/// input show the settings page again with the message.
async fn settings_outcome<T>(
    state: &AppState,
    caller: &Caller,
    result: carmine_core::Result<T>,
    notice: &str,
) -> Result<Response, ApiError> {
    match result {
        Ok(_) => Ok(done("/settings", notice)),
        Err(error) => {
            let error = shown_on_form(error)?;
            settings_page(state, caller, None, Some(&error), None).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ProfileForm {
    display_name: String,
    #[serde(default)]
    bio: String,
    consent: Option<String>,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    city: String,
}

pub(crate) async fn save_profile(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(form): PageForm<ProfileForm>,
) -> Result<Response, ApiError> {
    let birth_year = match form.birth_year.trim() {
        "" => Ok(None),
        text => {
            text.parse::<i64>().map(Some).map_err(|_| Error::invalid_field("birth_year", "must be a year such as 1995"))
        }
    };
    let result = match birth_year {
        Ok(birth_year) => {
            let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
            let change = ProfileChange {
                display_name: Some(form.display_name),
                bio: Some(form.bio),
                avatar_url: None,
                demographics: Some(DemographicsInput {
                    consent: form.consent.is_some(),
                    birth_year,
                    gender: non_empty(&form.gender),
                    city: non_empty(&form.city),
                }),
            };
            state.accounts().update_profile(&caller, &change).await
        }
        Err(error) => Err(error),
    };
    settings_outcome(&state, &caller, result, "profile_saved").await
}

/// The body limit of the avatar form: one image and the multipart framing.
pub(crate) const AVATAR_BODY_BYTES_MAX: usize = (20 << 20) + (64 << 10);

/// A new avatar: the image goes through the media pipeline (decoded, re-encoded, no
/// metadata) and the profile points at its square-ish grid rendition.
pub(crate) async fn upload_avatar(
    State(state): State<AppState>,
    Member(caller): Member,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let result = async {
        let mut multipart = multipart.map_err(|_| Error::new(ErrorCode::UnsupportedMediaType))?;
        let mut image = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| Error::new(ErrorCode::MalformedRequest).with_message(e.body_text()))?
        {
            if field.name() == Some("avatar") {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| Error::new(ErrorCode::PayloadTooLarge).with_message(e.body_text()))?;
                image = Some(bytes.to_vec()).filter(|b| !b.is_empty());
            }
        }
        let image = image.ok_or_else(|| Error::new(ErrorCode::MissingField).with_message("avatar: choose an image"))?;
        let media = state.media().upload(caller.user_id, image).await?;
        let path = format!("/media/{}/{}/grid.jpg", media.id, media.url_key);
        let change = ProfileChange { avatar_url: Some(path), ..ProfileChange::default() };
        state.accounts().update_profile(&caller, &change).await
    }
    .await;
    settings_outcome(&state, &caller, result, "avatar_saved").await
}

/// Back to the drawn avatar.
pub(crate) async fn remove_avatar(State(state): State<AppState>, Member(caller): Member) -> Result<Response, ApiError> {
    let change = ProfileChange { avatar_url: Some(String::new()), ..ProfileChange::default() };
    let result = state.accounts().update_profile(&caller, &change).await;
    settings_outcome(&state, &caller, result, "avatar_removed").await
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(form): PageForm<PasswordForm>,
) -> Result<Response, ApiError> {
    let result = state.accounts().change_password(&caller, &form.current_password, &form.new_password).await;
    settings_outcome(&state, &caller, result, "password_changed").await
}

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    name: String,
}

pub(crate) async fn create_token(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(form): PageForm<TokenForm>,
) -> Result<Response, ApiError> {
    match state.accounts().create_token(&caller, &form.name).await {
        // Shown on this response only: never put a secret in a redirect URL.
        Ok(created) => settings_page(&state, &caller, None, None, Some(created.secret)).await,
        Err(error) => {
            let error = shown_on_form(error)?;
            settings_page(&state, &caller, None, Some(&error), None).await
        }
    }
}

pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::TokenNotFound)?;
    let result = state.accounts().revoke_token(&caller, id).await;
    settings_outcome(&state, &caller, result, "token_revoked").await
}

pub(crate) async fn end_session(
    State(state): State<AppState>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, ErrorCode::SessionNotFound)?;
    let result = state.accounts().end_session(&caller, id).await;
    settings_outcome(&state, &caller, result, "session_ended").await
}

#[derive(Deserialize)]
pub(crate) struct DeleteForm {
    password: String,
}

pub(crate) async fn delete_account(
    State(state): State<AppState>,
    Member(caller): Member,
    PageForm(form): PageForm<DeleteForm>,
) -> Result<Response, ApiError> {
    match state.services().erase_account(&caller, &form.password).await {
        Ok(()) => {
            Ok(([(header::SET_COOKIE, cookies::clear_session(state.web_config()))], done("/", "account_deleted"))
                .into_response())
        }
        Err(error) => {
            let error = shown_on_form(error)?;
            settings_page(&state, &caller, None, Some(&error), None).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::device_of;

    #[test]
    fn devices_are_named_as_people_call_them() {
        let chrome_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(device_of(chrome_mac), Some(("Chrome", "macOS")));
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(device_of(safari_iphone), Some(("Safari", "iPhone")));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(device_of(edge), Some(("Edge", "Windows")));
        assert_eq!(device_of("curl/8.5.0"), Some(("curl", "")));
        assert_eq!(device_of(""), None);
        assert_eq!(device_of("<script>"), None);
    }
}
