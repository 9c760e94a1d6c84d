# Carmine 的简体中文界面。页面上给用户看的每一句话都在这里，
# 消息 id 与 en.ftl 一一对应（有测试比对两份目录）。

## 页面框架（base.html）
skip-to-content = 跳到正文
search-placeholder = 搜索笔记、用户、话题
search-label = 搜索
account-menu = 账号菜单
menu-my-page = 我的主页
menu-saved = 收藏
menu-wallet = 钱包
menu-orgs = 机构
menu-settings = 设置
menu-admin = 管理后台
log-out = 退出登录
log-in = 登录
sign-up = 注册
nav-main = 主导航
nav-home = 首页
nav-search = 搜索
nav-post = 发布
nav-notifications = 消息
nav-me = 我
site-footer = Carmine — 笔记、发现与好物，自托管。
language-switch-label = 语言
language-switch-to = English

## 计数
count-followers = { $count } 粉丝
count-notes = { $count } 篇笔记

## 错误页
error-heading-bad-request = 这个请求没有成功
error-heading-forbidden = 你没有权限打开这里
error-heading-not-found = 页面不存在
error-heading-method = 这个页面不支持这样操作
error-heading-conflict = 内容刚刚有了变化
error-heading-too-large = 内容太大了
error-heading-slow-down = 操作太频繁了，稍等一下
error-heading-busy = Carmine 正忙
error-heading-server = 服务出了点问题
error-heading-other = 没有成功
error-go-home = 回到首页
error-go-search = 去搜索
error-request-id = 请求编号 { $id }——向管理员求助时请附上它。
