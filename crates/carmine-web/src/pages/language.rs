//! The language switch (`POST /language`): remembers the choice — in the member's
//! settings when signed in, and in the `carmine_lang` cookie either way — and goes
//! back to the page the switch was pressed on (a same-origin `Referer`, else home).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use carmine_core::Error;
use serde::Deserialize;

use super::{PageForm, local_path};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::RequestContext;
use crate::i18n::{LANGUAGE_COOKIE, Locale};

#[derive(Deserialize)]
pub(crate) struct LanguageForm {
    lang: String,
}

pub(crate) async fn choose(
    State(state): State<AppState>,
    context: RequestContext,
    headers: HeaderMap,
    PageForm(form): PageForm<LanguageForm>,
) -> Result<Response, ApiError> {
    let locale = Locale::parse(&form.lang).ok_or_else(|| Error::invalid_field("lang", "choose en or zh-CN"))?;
    if let Some(caller) = &context.caller {
        state.accounts().set_locale(caller, Some(locale.tag())).await?;
    }
    let back = local_path(referer_path(&headers, state.web_config().origin()), || "/".to_owned());
    let secure = if state.web_config().is_https() { "; Secure" } else { "" };
    let cookie = format!("{LANGUAGE_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000{secure}", locale.tag());
    let mut response = Redirect::to(&back).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The path and query of a `Referer` on our own origin.
fn referer_path(headers: &HeaderMap, origin: &str) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let rest = referer.strip_prefix(origin)?;
    rest.starts_with('/').then(|| rest.to_owned())
}
