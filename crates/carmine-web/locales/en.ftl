# Carmine's interface in English. Every user-facing string of the pages lives here,
# under the same message ids as zh-CN.ftl (a test compares the two).

## The frame (base.html)
skip-to-content = Skip to content
search-placeholder = Search notes, people, topics
search-label = Search
account-menu = Account menu
menu-my-page = My page
menu-saved = Saved
menu-wallet = Wallet
menu-orgs = Organizations
menu-settings = Settings
menu-admin = Admin
log-out = Log out
log-in = Log in
sign-up = Sign up
nav-main = Main
nav-home = Home
nav-search = Search
nav-post = Post
nav-notifications = Notifications
nav-me = Me
site-footer = Carmine — notes, discovery and shopping, self-hosted.
language-switch-label = Language
# The switch offers the other language, named in itself.
language-switch-to = 中文

## Counts
count-followers = { $count ->
    [one] { $count } follower
   *[other] { $count } followers
}
count-notes = { $count ->
    [one] { $count } note
   *[other] { $count } notes
}

## Error pages
error-heading-bad-request = That request did not work
error-heading-forbidden = You cannot open this
error-heading-not-found = This page is not here
error-heading-method = That is not something this page does
error-heading-conflict = Something changed meanwhile
error-heading-too-large = That is too large
error-heading-slow-down = Slow down a little
error-heading-busy = Carmine is busy
error-heading-server = Something went wrong on our side
error-heading-other = That did not work
error-go-home = Go to the home page
error-go-search = Search
error-request-id = Request id { $id } — quote it if you ask the operator for help.
