// The web admin page: one HTML document, its style sheet and its script, served as they are written here (no build
// step, no framework). The script builds every piece of data into the page with textContent, never as HTML: user
// names, paths and addresses come from FTP clients. The token lives in sessionStorage and goes out only in the
// Authorization header, never as a cookie.

export const pageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>FTP server admin</title>
<link rel="stylesheet" href="admin.css">
<script src="admin.js" defer></script>
</head>
<body>
<header>
  <h1>FTP server admin</h1>
  <nav id="nav" hidden><a href="#dashboard">Dashboard</a> <a href="#users">Users</a></nav>
  <span id="who"></span>
  <button type="button" id="logout" hidden>Log out</button>
</header>
<main>
  <section id="login-view" hidden>
    <form id="login-form">
      <h2>Log in</h2>
      <label>Admin name <input name="username" autocomplete="username" required maxlength="64"></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
      <button type="submit">Log in</button>
      <p id="login-error" role="alert"></p>
    </form>
  </section>
  <section id="dashboard" hidden>
    <p id="server-line"></p>
    <div id="counters" class="cards"></div>
    <h2>Sessions <span id="session-count"></span></h2>
    <table id="sessions">
      <thead><tr><th>User</th><th>Client</th><th>TLS</th><th>Connected</th><th>Command</th><th>Transfer</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="no-sessions">No sessions.</p>
    <h2>Bans</h2>
    <p id="bans-unsupported" hidden>The shared state cannot list bans.</p>
    <table id="bans">
      <thead><tr><th>Address</th><th>Banned until</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="no-bans">No bans.</p>
    <p id="allow-list"></p>
    <form id="allow-form" class="inline">
      <label>Allow address or CIDR block <input name="address" required maxlength="64" placeholder="192.0.2.0/24"></label>
      <button type="submit">Allow</button>
    </form>
    <h2>Events</h2>
    <ol id="events"></ol>
  </section>
  <section id="users-view" hidden>
    <h2>Users</h2>
    <p id="users-unsupported" hidden>This server's authenticator keeps no users it can change.</p>
    <table id="users">
      <thead><tr><th>User</th><th>Enabled</th><th>Home</th><th>Directories and mounts</th><th>Quota</th><th>New password</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
    <form id="edit-user-form" hidden>
      <h2 id="edit-user-title"></h2>
      <label>Home directory (empty: server default) <input name="homeDirectory" placeholder="/" autocomplete="off"></label>
      <fieldset id="edit-permissions">
        <legend>Permissions (server default: as the server's userDefaults say)</legend>
      </fieldset>
      <fieldset id="edit-directories">
        <legend>Directory permissions (for a directory and below; inherited: as the permissions above)</legend>
        <div id="edit-directory-list"></div>
        <button type="button" id="add-directory">Add a directory</button>
      </fieldset>
      <label>Mounts (attributes.mounts as JSON: path to a connector name or { connector, rootDirectory, crossMountRename, quota }; empty: none)
        <textarea name="mounts" rows="5" spellcheck="false" autocomplete="off" placeholder='{ "/projects": { "connector": "team", "rootDirectory": "/projects/{user}" } }'></textarea>
      </label>
      <label>Quota in bytes (empty: no limit) <input name="maxBytes" type="number" min="0"></label>
      <label>Quota in files (empty: no limit) <input name="maxFiles" type="number" min="0"></label>
      <label>Upload bytes per second (empty: no limit) <input name="uploadBytesPerSecond" type="number" min="1"></label>
      <label>Download bytes per second (empty: no limit) <input name="downloadBytesPerSecond" type="number" min="1"></label>
      <p class="hint">Changes apply at the user's next login; open sessions keep what they logged in with.</p>
      <p id="edit-user-error" class="error" role="alert"></p>
      <div class="buttons"><button type="submit">Save changes</button> <button type="button" id="edit-cancel">Cancel</button></div>
    </form>
    <form id="add-user-form">
      <h2>Add a user</h2>
      <label>User name <input name="username" required maxlength="255" autocomplete="off"></label>
      <label>Password <input name="password" type="password" required maxlength="1024" autocomplete="new-password"></label>
      <label>Home directory (optional) <input name="homeDirectory" placeholder="/"></label>
      <label>Quota in bytes (optional) <input name="maxBytes" type="number" min="0"></label>
      <button type="submit">Add user</button>
    </form>
  </section>
  <p id="notice" role="status"></p>
</main>
</body>
</html>
`;

export const pageCss = `:root { font-family: system-ui, sans-serif; color: #1d2433; background: #f5f6f8; }
body { margin: 0; }
/* The forms below set display, which would otherwise show an element marked hidden. */
[hidden] { display: none !important; }
header { display: flex; align-items: center; gap: 1rem; padding: 0.6rem 1.2rem; background: #1d2433; color: #fff; }
header h1 { font-size: 1.1rem; margin: 0; }
header nav { flex: 1; display: flex; gap: 1rem; }
header nav a { color: #c9d3ff; }
#users input[type=password] { width: 10rem; }
#users td button { margin-right: 0.3rem; }
#add-user-form { margin-top: 1rem; }
.quota-folders { margin: 0.2rem 0 0; padding-left: 1rem; font-size: 0.85rem; }
#edit-user-form { margin-top: 1rem; background: #fff; border: 1px solid #d8dbe2; border-radius: 6px; padding: 0.8rem; max-width: 32rem; }
#edit-permissions { display: grid; grid-template-columns: 1fr 1fr; gap: 0.4rem 1rem; border: 1px solid #e3e5ea; }
#edit-permissions legend { font-size: 0.85rem; color: #5b6478; }
#edit-permissions label, .directory label { grid-template-columns: 1fr auto; align-items: center; }
#edit-directories { display: grid; gap: 0.5rem; border: 1px solid #e3e5ea; }
#edit-directories legend { font-size: 0.85rem; color: #5b6478; }
#add-directory { justify-self: start; }
.directory { display: grid; grid-template-columns: 1fr 1fr; gap: 0.4rem 1rem; border: 1px solid #e3e5ea; }
.directory .directory-path { grid-column: 1 / -1; display: flex; align-items: center; gap: 0.6rem; }
.directory .directory-path label { flex: 1; }
#edit-user-form textarea { font: 0.85rem ui-monospace, monospace; padding: 0.35rem; resize: vertical; }
#edit-user-error:empty { display: none; }
.tree-list { margin: 0; padding-left: 1rem; font-size: 0.85rem; }
.hint { font-size: 0.85rem; color: #5b6478; margin: 0; }
form.inline { display: flex; align-items: end; gap: 0.6rem; max-width: none; margin-top: 0.5rem; }
main { padding: 1rem 1.2rem; max-width: 72rem; }
h2 { font-size: 1rem; margin: 1.4rem 0 0.5rem; }
form { display: grid; gap: 0.7rem; max-width: 20rem; }
label { display: grid; gap: 0.2rem; }
input { font: inherit; padding: 0.35rem; }
button { font: inherit; padding: 0.3rem 0.8rem; cursor: pointer; }
.cards { display: flex; flex-wrap: wrap; gap: 0.6rem; }
.card { background: #fff; border: 1px solid #d8dbe2; border-radius: 6px; padding: 0.5rem 0.8rem; min-width: 7rem; }
.card b { display: block; font-size: 1.3rem; }
.card span { font-size: 0.8rem; color: #5b6478; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid #e3e5ea; font-size: 0.9rem; }
th { background: #eceef2; }
.transfer { font-variant-numeric: tabular-nums; }
#events { list-style: none; padding: 0; margin: 0; font-size: 0.85rem; }
#events li { padding: 0.2rem 0; border-bottom: 1px solid #e3e5ea; }
#events time { color: #5b6478; margin-right: 0.5rem; }
#login-error, .error { color: #b3261e; }
`;

export const pageScript = `'use strict';
(() => {
  const tokenKey = 'ftp-admin-token';
  const byId = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(tokenKey);
  let refreshTimer;
  let events;

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className !== undefined) node.className = className;
    return node;
  }

  function formatBytes(bytes) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return (unit === 0 ? String(value) : value.toFixed(1)) + ' ' + units[unit];
  }

  function formatTime(iso) {
    return new Date(iso).toLocaleTimeString();
  }

  async function api(method, path, body, extraHeaders) {
    const headers = { ...extraHeaders, authorization: 'Bearer ' + token };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401) {
      showLogin('Your session has ended; log in again.');
      throw new Error('logged out');
    }
    return response;
  }

  function showLogin(message) {
    token = null;
    sessionStorage.removeItem(tokenKey);
    clearInterval(refreshTimer);
    if (events !== undefined) events.abort();
    byId('dashboard').hidden = true;
    byId('users-view').hidden = true;
    byId('nav').hidden = true;
    byId('logout').hidden = true;
    byId('who').textContent = '';
    byId('login-view').hidden = false;
    byId('login-error').textContent = message || '';
  }

  function showDashboard(username) {
    byId('login-view').hidden = true;
    byId('nav').hidden = false;
    byId('logout').hidden = false;
    byId('who').textContent = username;
    showView();
    refresh();
    refreshTimer = setInterval(refresh, 1000);
    streamEvents();
  }

  function showView() {
    if (token === null) return;
    const users = location.hash === '#users';
    byId('dashboard').hidden = users;
    byId('users-view').hidden = !users;
    if (users) loadUsers();
  }

  async function loadUsers() {
    try {
      const response = await api('GET', '/api/users');
      const unsupported = response.status === 501;
      byId('users-unsupported').hidden = !unsupported;
      byId('users').hidden = unsupported;
      byId('add-user-form').hidden = unsupported;
      if (unsupported) byId('edit-user-form').hidden = true;
      else {
        const body = await response.json();
        renderUsers(body.users, body.profileChanges);
      }
    } catch (error) {
      if (error.message !== 'logged out') notice('Cannot load the users: ' + error.message, true);
    }
  }

  // The permission flags of a user (UserPermissions), in the order the edit form shows them.
  const permissionFlags = [
    ['list', 'List'],
    ['download', 'Download'],
    ['upload', 'Upload'],
    ['overwrite', 'Overwrite'],
    ['delete', 'Delete'],
    ['rename', 'Rename'],
    ['makeDirectory', 'Make directories'],
    ['setModifiedTime', 'Set modified time'],
    ['chmod', 'Change modes (chmod)'],
  ];

  function countFiles(files) {
    return files + (files === 1 ? ' file' : ' files');
  }

  // "10 B · 5 files", or "no limit" when neither is set: a user's quota leaves a limit out, a quota folder's is null.
  function limitText(maxBytes, maxFiles) {
    const parts = [];
    if (maxBytes !== undefined && maxBytes !== null) parts.push(formatBytes(maxBytes));
    if (maxFiles !== undefined && maxFiles !== null) parts.push(countFiles(maxFiles));
    return parts.length === 0 ? 'no limit' : parts.join(' · ');
  }

  // One quota folder of the user's tree: its account, where it is, what it holds (when counted) and its limits.
  function folderItem(folder) {
    const limit = limitText(folder.maxBytes, folder.maxFiles);
    const usage = folder.usage === null ? 'not counted yet' : formatBytes(folder.usage.bytes) + ' in ' + countFiles(folder.usage.files);
    const item = element('li', 'Folder ' + folder.name + ' at ' + folder.path + ': ' + usage + ' / ' + limit);
    item.dataset.folder = folder.name;
    return item;
  }

  // The usage the server counts (GET /api/quota/{name}) beside the limit, the limit alone when never counted; below
  // them the quota folders of the user's tree, whose files count in the folder's account instead.
  async function fillQuota(cell, user) {
    const quota = user.quota || {};
    const limit = limitText(quota.maxBytes, quota.maxFiles);
    cell.textContent = limit;
    try {
      const response = await api('GET', '/api/quota/' + encodeURIComponent(user.username));
      if (response.status !== 200) return;
      const report = await response.json();
      const usage = report.usage;
      if (usage !== null) {
        cell.dataset.usedBytes = String(usage.bytes);
        cell.textContent = formatBytes(usage.bytes) + ' / ' + limit;
      }
      if (report.folders === null) cell.append(element('div', 'Quota folders unknown: ' + report.foldersError, 'hint folders-unknown'));
      else if (report.folders.length > 0) {
        const list = element('ul', undefined, 'quota-folders');
        list.append(...report.folders.map(folderItem));
        cell.append(list);
      }
    } catch {
      // Logged out, or the shared state did not answer: the limit stays shown.
    }
  }

  function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  // "upload denied, list allowed": the flags a set of permissions gives, in the edit form's order.
  function describeFlags(flags) {
    const given = permissionFlags
      .filter(([flag]) => flags[flag] !== undefined)
      .map(([flag, label]) => label.toLowerCase() + ' ' + (flags[flag] ? 'allowed' : 'denied'));
    return given.length === 0 ? 'inherited' : given.join(', ');
  }

  // One mount of a user record (UserMounts): a connector's name, or { connector, rootDirectory?, crossMountRename?, quota? }.
  function describeMount(path, mount) {
    if (!isObject(mount)) return 'Mount ' + path + ': ' + String(mount);
    let text = 'Mount ' + path + ': ' + String(mount.connector);
    if (typeof mount.rootDirectory === 'string') text += ' at ' + mount.rootDirectory;
    if (isObject(mount.quota)) text += ', quota folder ' + String(mount.quota.folder);
    if (mount.crossMountRename === false) text += ', no moves to other mounts';
    return text;
  }

  function mountsOf(user) {
    return user.attributes === null ? undefined : user.attributes.mounts;
  }

  // The user's directory permissions and the mounts of the record, one line each.
  function treeCell(user) {
    const cell = element('td', '', 'tree');
    const items = Object.entries(user.directoryPermissions).map(([path, flags]) => element('li', path + ': ' + describeFlags(flags)));
    const mounts = mountsOf(user);
    if (isObject(mounts)) items.push(...Object.entries(mounts).map(([path, mount]) => element('li', describeMount(path, mount))));
    else if (mounts !== undefined) items.push(element('li', 'Mounts not readable: attributes.mounts is not an object'));
    if (items.length > 0) {
      const list = element('ul', undefined, 'tree-list');
      list.append(...items);
      cell.append(list);
    }
    return cell;
  }

  // A select of one permission flag: unset (the text given), allow or deny. The label wraps the select, whose chosen
  // option would otherwise become part of its name, so the name is set apart.
  function flagSelect(flag, label, current, unsetText, accessibleName) {
    const select = element('select');
    select.dataset.flag = flag;
    select.setAttribute('aria-label', accessibleName);
    for (const [value, text] of [['', unsetText], ['allow', 'allow'], ['deny', 'deny']]) {
      const option = element('option', text);
      option.value = value;
      select.append(option);
    }
    select.value = current === undefined ? '' : current ? 'allow' : 'deny';
    const wrapper = element('label', label);
    wrapper.append(select);
    return wrapper;
  }

  // The flags the selects within container set; an unset one is left out.
  function flagsFrom(container) {
    const flags = {};
    for (const select of container.querySelectorAll('select')) {
      if (select.value !== '') flags[select.dataset.flag] = select.value === 'allow';
    }
    return flags;
  }

  // One directory of the form's directory permissions: its path, its flags (unset: inherited) and a button removing it.
  function directoryRow(path, flags) {
    const row = element('fieldset', undefined, 'directory');
    const head = element('div', undefined, 'directory-path');
    const pathLabel = element('label', 'Directory');
    const input = element('input');
    input.value = path;
    input.placeholder = '/archive';
    input.autocomplete = 'off';
    input.setAttribute('aria-label', 'Directory path');
    pathLabel.append(input);
    const remove = element('button', 'Remove');
    remove.type = 'button';
    remove.addEventListener('click', () => row.remove());
    head.append(pathLabel, remove);
    row.append(head, ...permissionFlags.map(([flag, label]) => flagSelect(flag, label, flags[flag], 'inherited', label + ' in the directory')));
    return row;
  }

  // The user as read when the form opened: its revision goes with the save (If-Match), so a change another operator
  // (or the users command) made meanwhile is never overwritten with this form's stale values.
  let editingUser;

  // The record's mounts as the form shows them. The attributes are sent only when the mounts differ from the record's,
  // so a record whose mounts the page would refuse can still have its other facts changed.
  function mountsTextOf(user) {
    const mounts = mountsOf(user);
    return mounts === undefined ? '' : JSON.stringify(mounts, null, 2);
  }

  function openEdit(user) {
    editingUser = user;
    const form = byId('edit-user-form');
    byId('edit-user-title').textContent = 'Edit ' + user.username;
    byId('edit-user-error').textContent = '';
    form.elements.homeDirectory.value = user.homeDirectory === null ? '' : user.homeDirectory;
    const fieldset = byId('edit-permissions');
    fieldset.replaceChildren(
      fieldset.querySelector('legend'),
      ...permissionFlags.map(([flag, label]) => flagSelect(flag, label, user.permissions[flag], 'server default', label)),
    );
    byId('edit-directory-list').replaceChildren(
      ...Object.entries(user.directoryPermissions).map(([path, flags]) => directoryRow(path, flags)),
    );
    form.elements.mounts.value = mountsTextOf(user);
    fillLimits(form, user.quota, ['maxBytes', 'maxFiles']);
    fillLimits(form, user.bandwidth, ['uploadBytesPerSecond', 'downloadBytesPerSecond']);
    form.hidden = false;
    form.scrollIntoView({ block: 'nearest' });
  }

  // The form's fields named in keys from limits (null: no limit, each field empty), as limitsFrom reads them back.
  function fillLimits(form, limits, keys) {
    for (const key of keys) form.elements[key].value = limits === null || limits[key] === undefined ? '' : String(limits[key]);
  }

  // The limits of the form's fields named in keys: null when none is filled in (no limit), else the filled ones.
  function limitsFrom(form, keys) {
    const limits = {};
    for (const key of keys) {
      const value = form.get(key);
      if (value !== '') limits[key] = Number(value);
    }
    return Object.keys(limits).length === 0 ? null : limits;
  }

  function renderUsers(users, profileChanges) {
    const form = byId('edit-user-form');
    if (!profileChanges || !users.some((user) => user.username === editingUser?.username && user.writable)) form.hidden = true;
    byId('users').querySelector('tbody').replaceChildren(
      ...users.map((user) => {
        const row = element('tr');
        row.dataset.username = user.username;
        const password = element('input');
        password.type = 'password';
        password.autocomplete = 'new-password';
        password.setAttribute('aria-label', 'New password for ' + user.username);
        const setPassword = element('button', 'Set password');
        setPassword.type = 'button';
        setPassword.addEventListener('click', () => {
          if (password.value !== '') changeUser(user.username, { password: password.value }, 'Password of ' + user.username + ' changed.');
        });
        const toggle = element('button', user.enabled ? 'Disable' : 'Enable');
        toggle.type = 'button';
        toggle.addEventListener('click', () =>
          changeUser(user.username, { enabled: !user.enabled }, user.username + (user.enabled ? ' disabled.' : ' enabled.')),
        );
        const remove = element('button', 'Delete');
        remove.type = 'button';
        remove.addEventListener('click', () => deleteUser(user.username));
        const quotaCell = element('td', '', 'quota');
        fillQuota(quotaCell, user);
        const passwordCell = element('td');
        passwordCell.append(password, setPassword);
        const actions = element('td');
        if (user.writable) {
          // A store without profile changes (PATCH answers 501 for them) gets no Edit button.
          if (profileChanges) {
            const edit = element('button', 'Edit');
            edit.type = 'button';
            edit.addEventListener('click', () => openEdit(user));
            actions.append(edit);
          }
          actions.append(toggle, remove);
        } else {
          actions.textContent = 'in the server config';
          password.disabled = true;
          setPassword.disabled = true;
        }
        row.append(
          element('td', user.username, 'user'),
          element('td', user.enabled ? 'yes' : 'no', 'enabled'),
          element('td', user.homeDirectory === null ? '' : user.homeDirectory, 'home'),
          treeCell(user),
          quotaCell,
          passwordCell,
          actions,
        );
        return row;
      }),
    );
  }

  async function changeUser(username, change, done) {
    const response = await api('PATCH', '/api/users/' + encodeURIComponent(username), change);
    const body = await response.json();
    notice(response.status === 200 ? done : body.message, response.status !== 200);
    loadUsers();
    return response.status === 200;
  }

  async function deleteUser(username) {
    const response = await api('DELETE', '/api/users/' + encodeURIComponent(username));
    notice(response.status === 204 ? 'Deleted ' + username + '.' : (await response.json()).message, response.status !== 204);
    loadUsers();
  }

  async function refresh() {
    try {
      const [server, sessions, defender] = await Promise.all([
        api('GET', '/api/server'),
        api('GET', '/api/sessions'),
        api('GET', '/api/defender'),
      ]);
      renderServer(await server.json());
      renderSessions((await sessions.json()).sessions);
      renderDefender(await defender.json());
    } catch (error) {
      if (error.message !== 'logged out') notice('Cannot reach the server: ' + error.message, true);
    }
  }

  function renderServer(server) {
    const uptime = server.uptimeSeconds;
    const listeners = server.listeners.map((listener) => listener.kind + ' ' + listener.address + ':' + listener.port).join(', ');
    byId('server-line').textContent =
      'Version ' + server.version + ' · up ' + Math.floor(uptime / 3600) + ' h ' + Math.floor((uptime % 3600) / 60) + ' min · ' + listeners +
      ' · passive ports in use ' + server.passivePortsInUse + ' · defender ' + (server.defenderEnabled ? 'on' : 'off');
    const counters = server.counters;
    const cards = [
      ['sessions', server.sessions, 'sessions'],
      ['connections', counters.connections, 'connections'],
      ['logins', counters.logins, 'logins'],
      ['failedLogins', counters.failedLogins, 'failed logins'],
      ['uploads', counters.uploads + ' · ' + formatBytes(counters.bytesUploaded), 'uploads'],
      ['downloads', counters.downloads + ' · ' + formatBytes(counters.bytesDownloaded), 'downloads'],
    ];
    byId('counters').replaceChildren(
      ...cards.map(([name, value, label]) => {
        const card = element('div', undefined, 'card');
        card.dataset.counter = name;
        card.append(element('b', String(value)), element('span', label));
        return card;
      }),
    );
  }

  function renderSessions(sessions) {
    byId('session-count').textContent = '(' + sessions.length + ')';
    byId('no-sessions').hidden = sessions.length > 0;
    byId('sessions').querySelector('tbody').replaceChildren(
      ...sessions.map((session) => {
        const row = element('tr');
        row.dataset.sessionId = session.id;
        const transfer = element('td', '', 'transfer');
        if (session.transfer !== null) {
          const t = session.transfer;
          transfer.dataset.bytes = String(t.bytes);
          transfer.textContent =
            (t.direction === 'upload' ? '↑ ' : '↓ ') + t.command + ' ' + t.path + ' · ' + formatBytes(t.bytes) + ' at ' + formatBytes(t.bytesPerSecond) + '/s';
        }
        const end = element('button', 'End session');
        end.type = 'button';
        end.addEventListener('click', () => endSession(session, end));
        const actions = element('td');
        actions.append(end);
        row.append(
          element('td', session.username === null ? '(not logged in)' : session.username, 'user'),
          element('td', session.remoteAddress),
          element('td', session.secure ? 'yes' : 'no'),
          element('td', formatTime(session.connectedAt)),
          element('td', session.command === null ? '' : session.command),
          transfer,
          actions,
        );
        return row;
      }),
    );
  }

  function renderDefender(defender) {
    const bans = defender.bans;
    byId('bans-unsupported').hidden = bans !== null;
    byId('no-bans').hidden = bans === null || bans.length > 0;
    byId('bans').hidden = bans === null || bans.length === 0;
    byId('bans').querySelector('tbody').replaceChildren(
      ...(bans || []).map((ban) => {
        const row = element('tr');
        row.dataset.address = ban.address;
        const lift = element('button', 'Lift ban');
        lift.type = 'button';
        lift.addEventListener('click', () => liftBan(ban.address, lift));
        const actions = element('td');
        actions.append(lift);
        row.append(element('td', ban.address), element('td', new Date(ban.until).toLocaleString()), actions);
        return row;
      }),
    );
    byId('allow-list').textContent = defender.enabled
      ? 'Allow list: ' + (defender.allowList.length === 0 ? 'empty' : defender.allowList.join(', '))
      : 'The defender is off.';
    byId('allow-form').hidden = !defender.enabled;
  }

  async function liftBan(address, button) {
    button.disabled = true;
    const response = await api('DELETE', '/api/defender/bans/' + encodeURIComponent(address));
    notice(response.status === 204 ? 'Lifted the ban of ' + address + '.' : (await response.json()).message, response.status !== 204);
    refresh();
  }

  async function endSession(session, button) {
    button.disabled = true;
    try {
      const response = await api('DELETE', '/api/sessions/' + encodeURIComponent(session.id));
      notice(response.status === 204 ? 'Ended the session of ' + (session.username || session.remoteAddress) + '.' : 'The session was already gone.');
    } catch (error) {
      if (error.message !== 'logged out') notice('Could not end the session: ' + error.message, true);
    }
    refresh();
  }

  function notice(text, isError) {
    const line = byId('notice');
    line.textContent = text;
    line.className = isError ? 'error' : '';
  }

  function describeEvent(type, data) {
    const who = data.username || data.attemptedUsername || '';
    const parts = [type, who, data.remoteAddress];
    if (data.path !== undefined) parts.push(data.path);
    if (data.bytes !== undefined) parts.push(formatBytes(data.bytes));
    if (data.replyCode !== undefined) parts.push(data.command + ' → ' + data.replyCode);
    return parts.filter((part) => part !== '' && part !== undefined).join(' · ');
  }

  function addEvent(type, data) {
    const item = element('li');
    item.dataset.event = type;
    item.append(element('time', formatTime(data.at)), document.createTextNode(describeEvent(type, data)));
    const list = byId('events');
    list.prepend(item);
    while (list.children.length > 50) list.lastElementChild.remove();
  }

  // EventSource cannot send an Authorization header, so the stream is read with fetch.
  async function streamEvents() {
    events = new AbortController();
    try {
      const response = await fetch('/api/events', { headers: { authorization: 'Bearer ' + token }, signal: events.signal });
      if (!response.ok) return;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffered += value;
        let end = buffered.indexOf('\\n\\n');
        while (end !== -1) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const type = /^event: (.*)$/m.exec(block);
          const data = /^data: (.*)$/m.exec(block);
          if (type !== null && data !== null) addEvent(type[1], JSON.parse(data[1]));
          end = buffered.indexOf('\\n\\n');
        }
      }
    } catch {
      // Aborted at logout, or the stream ended with the token.
    }
  }

  byId('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    byId('login-error').textContent = '';
    const response = await fetch('/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: form.get('username'), password: form.get('password') }),
    });
    const body = await response.json();
    if (response.status !== 200) {
      byId('login-error').textContent = body.message;
      return;
    }
    token = body.token;
    sessionStorage.setItem(tokenKey, token);
    sessionStorage.setItem(tokenKey + '-name', body.username);
    event.target.reset();
    showDashboard(body.username);
  });

  byId('add-user-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const user = { username: form.get('username'), password: form.get('password') };
    if (form.get('homeDirectory') !== '') user.homeDirectory = form.get('homeDirectory');
    if (form.get('maxBytes') !== '') user.quota = { maxBytes: Number(form.get('maxBytes')) };
    try {
      const response = await api('POST', '/api/users', user);
      const body = await response.json();
      if (response.status !== 201) {
        notice(body.message, true);
        return;
      }
      event.target.reset();
      notice('Added ' + body.username + '.');
      loadUsers();
    } catch (error) {
      if (error.message !== 'logged out') notice('Could not add the user: ' + error.message, true);
    }
  });

  // The directory permissions of the form's rows, null when there are none. A Map keeps a path such as "__proto__"
  // an own key, for the server to refuse by name rather than the page dropping it.
  function directoryPermissionsFrom() {
    const directories = new Map();
    for (const row of byId('edit-directory-list').querySelectorAll('.directory')) {
      const path = row.querySelector('input').value;
      const flags = flagsFrom(row);
      if (path === '') {
        if (Object.keys(flags).length === 0) continue;
        throw new Error('Directory permissions: a directory with permissions has no path.');
      }
      if (directories.has(path)) throw new Error('Directory permissions: ' + path + ' is listed twice.');
      directories.set(path, flags);
    }
    return directories.size === 0 ? null : Object.fromEntries(directories);
  }

  // The mounts of the form's text (undefined when empty: none), refused on the page for what the mounts storage would
  // refuse the user's logins for (EACCES), short of the connectors' names, which only the storage knows. A key a mount
  // does not know is refused too: a misspelt rootDirectory would otherwise mount the connector's whole root.
  function mountsFrom(text) {
    if (text.trim() === '') return undefined;
    let mounts;
    try {
      mounts = JSON.parse(text);
    } catch (error) {
      throw new Error('Mounts: not valid JSON (' + error.message + ').');
    }
    if (!isObject(mounts)) throw new Error('Mounts: must be a JSON object mapping each path to a connector name or { "connector": … }.');
    for (const [path, mount] of Object.entries(mounts)) {
      const segments = path.slice(1).split('/');
      if (segments.at(-1) === '') segments.pop();
      if (!path.startsWith('/') || path.includes('\\0') || segments.some((segment) => ['', '.', '..'].includes(segment))) {
        throw new Error('Mounts: "' + path + '" must be an absolute path without "." or "..", such as "/projects".');
      }
      const problem = mountProblem(mount);
      if (problem !== undefined) throw new Error('Mounts: ' + path + problem);
    }
    return mounts;
  }

  // What is wrong with one mount (UserMount, or a connector's name), as the end of a sentence; undefined when nothing.
  function mountProblem(mount) {
    if (typeof mount === 'string') return mount === '' ? ': the connector name is empty.' : undefined;
    if (!isObject(mount) || typeof mount.connector !== 'string' || mount.connector === '') {
      return ' must be a connector name or an object with "connector".';
    }
    const unknown = Object.keys(mount).find((key) => !['connector', 'rootDirectory', 'crossMountRename', 'quota'].includes(key));
    if (unknown !== undefined) return '.' + unknown + ' is not an option of a mount (connector, rootDirectory, crossMountRename, quota).';
    if (mount.rootDirectory !== undefined && typeof mount.rootDirectory !== 'string') return '.rootDirectory must be a string.';
    if (mount.crossMountRename !== undefined && typeof mount.crossMountRename !== 'boolean') {
      return '.crossMountRename must be true or false.';
    }
    const quota = mount.quota;
    if (quota === undefined) return undefined;
    if (!isObject(quota)) return '.quota must be { folder, maxBytes?, maxFiles? }.';
    const unknownLimit = Object.keys(quota).find((key) => !['folder', 'maxBytes', 'maxFiles'].includes(key));
    if (unknownLimit !== undefined) return '.quota.' + unknownLimit + ' is not an option of a quota (folder, maxBytes, maxFiles).';
    if (typeof quota.folder !== 'string' || quota.folder === '') return '.quota.folder must be a non-empty string.';
    for (const key of ['maxBytes', 'maxFiles']) {
      const value = quota[key];
      if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) return '.quota.' + key + ' must be a whole number, 0 or more.';
    }
    return undefined;
  }

  // The record's attributes as the form read them, with the mounts replaced: the attributes are replaced whole, the
  // page keeps no other attribute in its form, and the save's If-Match makes sure they are still the record's.
  function attributesWith(user, mounts) {
    const attributes = { ...(user.attributes || {}) };
    if (mounts === undefined) delete attributes.mounts;
    else attributes.mounts = mounts;
    return Object.keys(attributes).length === 0 ? null : attributes;
  }

  byId('edit-user-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const target = event.target;
    const user = editingUser;
    const username = user.username;
    const form = new FormData(target);
    const error = byId('edit-user-error');
    error.textContent = '';
    const permissions = flagsFrom(byId('edit-permissions'));
    const home = form.get('homeDirectory');
    const mountsText = target.elements.mounts.value;
    let change;
    const storedMounts = mountsOf(user);
    let mounts = storedMounts;
    try {
      if (mountsText !== mountsTextOf(user)) mounts = mountsFrom(mountsText);
      change = {
        homeDirectory: home === '' ? null : home,
        permissions,
        directoryPermissions: directoryPermissionsFrom(),
        quota: limitsFrom(form, ['maxBytes', 'maxFiles']),
        bandwidth: limitsFrom(form, ['uploadBytesPerSecond', 'downloadBytesPerSecond']),
      };
    } catch (problem) {
      // Refused on the page: nothing was sent, the form keeps what was typed.
      error.textContent = problem.message;
      return;
    }
    try {
      if (JSON.stringify(mounts) !== JSON.stringify(storedMounts)) change.attributes = attributesWith(user, mounts);
      // Without a revision (a store that keeps none) the change is sent as it is, as before revisions existed.
      const condition = user.revision === null ? undefined : { 'if-match': '"' + user.revision + '"' };
      const response = await api('PATCH', '/api/users/' + encodeURIComponent(username), change, condition);
      const body = await response.json();
      if (response.status === 412) {
        // Changed meanwhile: the form shows the user as stored now, nothing of the stale values is kept.
        await reopenEdit(username);
        const message = username + ' was changed by someone else since the form was opened; the form now shows the stored values: make your changes again.';
        byId('edit-user-error').textContent = message;
        notice(message, true);
        loadUsers();
        return;
      }
      if (response.status !== 200) {
        // The server's reason beside the form, which stays open with what was typed.
        error.textContent = body.message;
        notice(body.message, true);
        return;
      }
      target.hidden = true;
      notice('Saved the changes of ' + username + '.');
      loadUsers();
    } catch (problem) {
      if (problem.message !== 'logged out') error.textContent = 'Could not save the changes: ' + problem.message;
    }
  });

  // The form filled anew from the user as stored now.
  async function reopenEdit(username) {
    const response = await api('GET', '/api/users/' + encodeURIComponent(username));
    const body = await response.json();
    if (response.status !== 200) throw new Error(body.message);
    openEdit(body);
  }

  byId('add-directory').addEventListener('click', () => {
    const row = directoryRow('', {});
    byId('edit-directory-list').append(row);
    row.querySelector('input').focus();
  });

  byId('edit-cancel').addEventListener('click', () => {
    byId('edit-user-form').hidden = true;
  });

  byId('allow-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const address = new FormData(event.target).get('address');
    const response = await api('POST', '/api/defender/allow-list', { address });
    const body = await response.json();
    notice(response.status === 201 ? 'Allowed ' + address + '.' : body.message, response.status !== 201);
    if (response.status === 201) event.target.reset();
    refresh();
  });

  window.addEventListener('hashchange', showView);

  byId('logout').addEventListener('click', async () => {
    await api('POST', '/api/logout').catch(() => undefined);
    showLogin('Logged out.');
  });

  if (token === null) showLogin();
  else showDashboard(sessionStorage.getItem(tokenKey + '-name') || '');
})();
`;
