import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserStoreV1 } from '@ftp/plugin-api';
import { hashPassword } from '@ftp/plugin-api/password';
import { createLocalAuthenticator, type FtpServerOptions } from '@ftp/server';
import { createMemoryStorage } from '@ftp/server/testing';
import { createMountedStorage } from '@ftp/storage-mounts';
import { eventually, gatedSink, rawSession, tempDirectory } from '@ftp/test-utils';
import { adminName, adminPassword, ftpClient, startAdminFixture } from './support.ts';

// The web admin page in a real headless Chromium (Debian's package, driven by playwright-core; `.ci/run` installs
// it), against a real FTP server with a real basic-ftp client downloading slowly.

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Set to a path to write the dashboard screenshot there (the README's docs/dashboard.png). */
const screenshotPath = process.env.ADMIN_SCREENSHOT;

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install chromium)`);
  // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

async function logIn(page: Page, url: string, password = adminPassword): Promise<void> {
  await page.goto(url);
  const form = page.locator('#login-form');
  await form.getByLabel('Admin name').fill(adminName);
  await form.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** A mount of a user record (attributes.mounts), as the mounts storage reads it. */
const projectsMount = { connector: 'team', rootDirectory: '/projects/{user}', quota: { folder: 'team-{user}', maxBytes: 1000 } };

/**
 * A users file with dave (password "dave pw", one attribute the page does not edit) behind a real FTP and admin server;
 * `storeOf` may narrow the user store.
 */
async function usersFixture(ftpOptions: Partial<FtpServerOptions> = {}, storeOf: (users: UserStoreV1) => UserStoreV1 = (users) => users) {
  const directory = await tempDirectory();
  const usersFile = join(directory, 'users.json');
  const dave = { username: 'dave', passwordHash: await hashPassword('dave pw', { logCost: 10 }), attributes: { note: 'kept' } };
  await writeFile(usersFile, JSON.stringify({ users: [dave] }));
  const authenticator = createLocalAuthenticator({ usersFile });
  const fixture = await startAdminFixture(
    { authenticator, defender: { enabled: false }, ...ftpOptions },
    { users: storeOf(authenticator.users!) },
  );
  return { ...fixture, usersFile };
}

/** A logged-in page on the users view. */
async function usersPage(url: string): Promise<Page> {
  const page = await browser.newPage();
  await logIn(page, url);
  await page.getByRole('link', { name: 'Users' }).click();
  await page.locator('#users-view').waitFor();
  return page;
}

describe('the web admin page', () => {
  it('logs in, shows a downloading session with growing bytes and counters, and ends it: the client gets 421', async () => {
    const { admin, ftpPort, logs } = await startAdminFixture({
      storage: createMemoryStorage({ files: { '/big.bin': randomBytes(32 * 1024 * 1024) } }),
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await logIn(page, admin.url, 'wrong');
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('wrong admin name or password');
    await logIn(page, admin.url);
    await page.locator('#dashboard').waitFor();
    expect(await page.locator('#who').textContent()).toBe(adminName);

    const { client, log } = await ftpClient(ftpPort, 'alice');
    const gate = gatedSink();
    const download = client.downloadTo(gate.sink, '/big.bin').catch((error: unknown) => String(error));
    const row = page.locator('#sessions tbody tr', { hasText: 'alice' });
    const transfer = row.locator('td.transfer');
    await expect.poll(async () => Number((await transfer.getAttribute('data-bytes')) ?? 0), { timeout: 10_000 }).toBeGreaterThan(0);
    const before = Number(await transfer.getAttribute('data-bytes'));
    expect(await transfer.textContent()).toContain('RETR /big.bin');
    gate.allow(before + 4 * 1024 * 1024);
    await expect.poll(async () => Number(await transfer.getAttribute('data-bytes')), { timeout: 10_000 }).toBeGreaterThan(before);
    await expect.poll(() => page.locator('[data-counter="logins"] b').textContent()).toBe('1');
    await expect.poll(() => page.locator('#events li[data-event="login"]').count()).toBeGreaterThan(0);
    if (screenshotPath !== undefined) await page.screenshot({ path: screenshotPath });

    await row.getByRole('button', { name: 'End session' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('Ended the session of alice');
    gate.allow(Number.POSITIVE_INFINITY);
    await download;
    expect(log.join('\n')).toContain('421 Session ended by the administrator.');
    await expect.poll(() => row.count()).toBe(0);
    expect(logs.some((line) => line.message === 'admin action' && line.fields.admin === adminName)).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('adds a user who logs in over FTP at once, disables them (their session gets 421) and deletes them', async () => {
    const directory = await tempDirectory();
    const usersFile = join(directory, 'users.json');
    await writeFile(usersFile, JSON.stringify({ users: [] }));
    const authenticator = createLocalAuthenticator({ usersFile });
    const { admin, ftpPort } = await startAdminFixture({ authenticator, defender: { enabled: false } }, { users: authenticator.users });
    const page = await browser.newPage();
    await logIn(page, admin.url);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.locator('#users-view').waitFor();

    const form = page.locator('#add-user-form');
    await form.getByLabel('User name').fill('erin');
    await form.getByLabel('Password').fill('erin secret');
    await form.getByLabel('Home directory (optional)').fill('/');
    await form.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Added erin.');
    const row = page.locator('#users tbody tr[data-username="erin"]');
    await expect.poll(() => row.locator('td.enabled').textContent()).toBe('yes');

    const { log } = await ftpClient(ftpPort, 'erin', 'erin secret');
    await row.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => row.locator('td.enabled').textContent()).toBe('no');
    await eventually(() => log.join('\n').includes('421 Your account was disabled.'), 'the 421 at the FTP client');
    await expect(ftpClient(ftpPort, 'erin', 'erin secret')).rejects.toThrow(/530/);

    await row.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => row.count()).toBe(0);
  });

  it("edits a user's quota and permissions: the next FTP login gets 552 over the quota, then 550 without upload", async () => {
    const { admin, ftpPort, logs, usersFile } = await usersFixture();
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await logIn(page, admin.url);
    await page.getByRole('link', { name: 'Users' }).click();
    const row = page.locator('#users tbody tr[data-username="dave"]');
    await expect.poll(() => row.locator('td.quota').textContent()).toBe('no limit');

    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.locator('#edit-user-form');
    await form.getByLabel('Quota in bytes (empty: no limit)').fill('10');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Saved the changes of dave.');
    await expect.poll(() => row.locator('td.quota').textContent()).toMatch(/10 B$/);
    expect(await form.isHidden()).toBe(true);

    const { client } = await ftpClient(ftpPort, 'dave', 'dave pw');
    await expect(client.uploadFrom(Readable.from([Buffer.alloc(100)]), '/big.bin')).rejects.toThrow(/552/);
    await client.uploadFrom(Readable.from([Buffer.from('four')]), '/small.bin');
    // The usage the server counted, beside the limit, once the page reloads the users.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('link', { name: 'Users' }).click();
    await expect.poll(() => row.locator('td.quota').textContent()).toBe('4 B / 10 B');

    await row.getByRole('button', { name: 'Edit' }).click();
    expect(await form.getByLabel('Quota in bytes (empty: no limit)').inputValue()).toBe('10');
    await form.getByLabel('Upload', { exact: true }).selectOption('deny');
    await form.getByRole('button', { name: 'Save changes' }).click();
    // The notice still reads as after the first save, so it cannot tell that this one landed: the form closes when it has.
    await expect.poll(() => form.isHidden()).toBe(true);
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Saved the changes of dave.');
    const after = await ftpClient(ftpPort, 'dave', 'dave pw');
    await expect(after.client.uploadFrom(Readable.from([Buffer.from('x')]), '/x.bin')).rejects.toThrow(/550/);
    expect(JSON.parse(await readFile(usersFile, 'utf8')).users[0]).toMatchObject({
      permissions: { upload: false },
      quota: { maxBytes: 10 },
    });
    // The mounts were left as they were, so the attributes are not sent.
    expect(logs.filter((line) => line.fields.action === 'user.update').map((line) => line.fields.fields)).toEqual([
      ['bandwidth', 'directoryPermissions', 'homeDirectory', 'permissions', 'quota'],
      ['bandwidth', 'directoryPermissions', 'homeDirectory', 'permissions', 'quota'],
    ]);
    expect(pageErrors).toEqual([]);
  });

  it("edits a user's home directory, directory permissions and mounts: the API shows them stored; the next FTP login lands in the home, gets 550 for an upload to the directory and sees the mount", async () => {
    // The mounts storage, which reads the mounts a user record adds (attributes.mounts) at each login.
    const storage = createMountedStorage({
      mounts: { '/': createMemoryStorage({ files: { '/incoming/readme.txt': 'hi', '/archive/old.txt': 'old' } }) },
      connectors: { team: createMemoryStorage({ files: { '/projects/dave/plan.txt': 'plan' } }) },
    });
    const { usersFile, admin, ftpPort, api } = await usersFixture({ storage });
    await api.login();
    const page = await usersPage(admin.url);
    const row = page.locator('#users tbody tr[data-username="dave"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.locator('#edit-user-form');
    await form.getByLabel('Home directory (empty: server default)').fill('/incoming');
    await form.getByRole('button', { name: 'Add a directory' }).click();
    const directory = form.locator('.directory').last();
    await directory.getByLabel('Directory path').fill('/archive');
    await directory.getByLabel('Upload in the directory').selectOption('deny');
    await form.getByLabel(/^Mounts/).fill(JSON.stringify({ '/projects': projectsMount }));
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => form.isHidden()).toBe(true);
    expect(await page.locator('#notice').textContent()).toBe('Saved the changes of dave.');

    const stored = await api.request('GET', '/api/users/dave');
    expect(stored.body).toMatchObject({
      homeDirectory: '/incoming',
      directoryPermissions: { '/archive': { upload: false } },
      // The attribute the page does not edit is kept beside the mounts.
      attributes: { note: 'kept', mounts: { '/projects': projectsMount } },
    });
    expect((stored.body as { directoryPermissions: Record<string, unknown> }).directoryPermissions['/archive']).toEqual({ upload: false });
    // The row, re-read from the API, shows what was stored.
    await expect.poll(() => row.locator('td.home').textContent()).toBe('/incoming');
    expect(await row.locator('td.tree li').allTextContents()).toEqual([
      '/archive: upload denied',
      'Mount /projects: team at /projects/{user}, quota folder team-{user}',
    ]);

    const { client } = await ftpClient(ftpPort, 'dave', 'dave pw');
    expect(await client.pwd()).toBe('/incoming');
    await client.uploadFrom(Readable.from([Buffer.from('new')]), '/incoming/new.txt');
    await expect(client.uploadFrom(Readable.from([Buffer.from('x')]), '/archive/x.txt')).rejects.toThrow(/550/);
    expect((await client.list('/projects')).map((entry) => entry.name)).toEqual(['plan.txt']);
    client.close();

    // Opened again, the form shows the stored facts; removing the directory and the mounts removes them.
    await row.getByRole('button', { name: 'Edit' }).click();
    expect(await form.getByLabel('Home directory (empty: server default)').inputValue()).toBe('/incoming');
    expect(await directory.getByLabel('Directory path').inputValue()).toBe('/archive');
    expect(await directory.getByLabel('Upload in the directory').inputValue()).toBe('deny');
    expect(JSON.parse(await form.getByLabel(/^Mounts/).inputValue())).toEqual({ '/projects': projectsMount });
    await directory.getByRole('button', { name: 'Remove' }).click();
    await form.getByLabel(/^Mounts/).fill('');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => form.isHidden()).toBe(true);
    const after = (await api.request('GET', '/api/users/dave')).body;
    expect(after).toMatchObject({ homeDirectory: '/incoming', directoryPermissions: {}, attributes: { note: 'kept' } });
    expect((after as { attributes: unknown }).attributes).toEqual({ note: 'kept' });
    expect(JSON.parse(await readFile(usersFile, 'utf8')).users[0]).not.toHaveProperty('directoryPermissions');
    await expect.poll(() => row.locator('td.tree li').count()).toBe(0);
    const again = await ftpClient(ftpPort, 'dave', 'dave pw');
    await expect(again.client.list('/projects')).rejects.toThrow(/550/);
  });

  it('refuses mounts that are not a JSON object on the page, and shows the server refusal beside the form: nothing changes, nothing typed is lost', async () => {
    const { usersFile, admin, api, logs } = await usersFixture();
    await api.login();
    const before = await readFile(usersFile, 'utf8');
    const page = await usersPage(admin.url);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const row = page.locator('#users tbody tr[data-username="dave"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.locator('#edit-user-form');
    const error = page.locator('#edit-user-error');
    const mounts = form.getByLabel(/^Mounts/);
    const save = form.getByRole('button', { name: 'Save changes' });

    await mounts.fill('{ "/projects": ');
    await save.click();
    await expect.poll(() => error.textContent()).toMatch(/^Mounts: not valid JSON \(/);
    await mounts.fill('["team"]');
    await save.click();
    await expect.poll(() => error.textContent()).toMatch(/^Mounts: must be a JSON object/);
    await mounts.fill('{ "projects": "team" }');
    await save.click();
    await expect
      .poll(() => error.textContent())
      .toBe('Mounts: "projects" must be an absolute path without "." or "..", such as "/projects".');
    expect(await mounts.inputValue()).toBe('{ "projects": "team" }');
    // A misspelt option would mount the connector's whole root; the mounts storage would refuse the bad limit at login.
    await mounts.fill(JSON.stringify({ '/projects': { connector: 'team', rootDirectroy: '/p' } }));
    await save.click();
    await expect
      .poll(() => error.textContent())
      .toBe('Mounts: /projects.rootDirectroy is not an option of a mount (connector, rootDirectory, crossMountRename, quota).');
    await mounts.fill(JSON.stringify({ '/projects': { connector: 'team', quota: { folder: 'team', maxBytes: -1 } } }));
    await save.click();
    await expect.poll(() => error.textContent()).toBe('Mounts: /projects.quota.maxBytes must be a whole number, 0 or more.');

    // Well-formed on the page, refused by the server (a relative directory): its message shows beside the form.
    await mounts.fill(JSON.stringify({ '/projects': 'team' }));
    await form.getByLabel('Home directory (empty: server default)').fill('/incoming');
    await form.getByRole('button', { name: 'Add a directory' }).click();
    const directory = form.locator('.directory').last();
    await directory.getByLabel('Directory path').fill('archive');
    await directory.getByLabel('Upload in the directory').selectOption('deny');
    await save.click();
    await expect.poll(() => error.textContent()).toBe('directoryPermissions: "archive" must be an absolute path');
    expect(await form.isVisible()).toBe(true);
    expect(await directory.getByLabel('Directory path').inputValue()).toBe('archive');
    expect(await directory.getByLabel('Upload in the directory').inputValue()).toBe('deny');
    expect(await form.getByLabel('Home directory (empty: server default)').inputValue()).toBe('/incoming');
    expect(JSON.parse(await mounts.inputValue())).toEqual({ '/projects': 'team' });

    expect(await readFile(usersFile, 'utf8')).toBe(before);
    expect((await api.request('GET', '/api/users/dave')).body).toMatchObject({
      homeDirectory: null,
      directoryPermissions: {},
      attributes: { note: 'kept' },
    });
    expect(logs.filter((line) => line.fields.action === 'user.update')).toEqual([]);

    // Corrected, the same form saves.
    await directory.getByLabel('Directory path').fill('/archive');
    await save.click();
    await expect.poll(() => form.isHidden()).toBe(true);
    expect(await error.textContent()).toBe('');
    expect((await api.request('GET', '/api/users/dave')).body).toMatchObject({
      homeDirectory: '/incoming',
      directoryPermissions: { '/archive': { upload: false } },
      attributes: { note: 'kept', mounts: { '/projects': 'team' } },
    });
    expect(pageErrors).toEqual([]);
  });

  it("saves a user's other facts while the record keeps mounts the page would refuse, left as they were", async () => {
    const { admin, api } = await usersFixture();
    await api.login();
    const oddMounts = { '/old': { connector: 'team', rootDirectroy: '/p' } };
    expect((await api.request('PATCH', '/api/users/dave', { body: { attributes: { mounts: oddMounts } } })).status).toBe(200);
    const page = await usersPage(admin.url);
    const row = page.locator('#users tbody tr[data-username="dave"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.locator('#edit-user-form');
    await form.getByLabel('Quota in bytes (empty: no limit)').fill('10');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => form.isHidden()).toBe(true);
    expect((await api.request('GET', '/api/users/dave')).body).toMatchObject({
      quota: { maxBytes: 10 },
      attributes: { mounts: oddMounts },
    });

    // Once touched, the mounts are checked: the misspelt option is named.
    await row.getByRole('button', { name: 'Edit' }).click();
    await form.getByLabel(/^Mounts/).fill(JSON.stringify({ ...oddMounts, '/new': 'team' }));
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(() => page.locator('#edit-user-error').textContent())
      .toBe('Mounts: /old.rootDirectroy is not an option of a mount (connector, rootDirectory, crossMountRename, quota).');
  });

  it('tells the operator when the user was changed between opening the form and saving it, and shows the stored values: nothing is lost', async () => {
    const { admin, api } = await usersFixture();
    await api.login();
    const page = await usersPage(admin.url);
    const row = page.locator('#users tbody tr[data-username="dave"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.locator('#edit-user-form');
    await form.getByLabel('Quota in bytes (empty: no limit)').fill('10');
    await form.getByLabel(/^Mounts/).fill(JSON.stringify({ '/mine': 'team' }));

    // Another operator (or the users command) changes dave while the form is open.
    const theirs = { attributes: { note: 'kept', mounts: { '/theirs': 'team' } }, quota: { maxFiles: 7 } };
    expect((await api.request('PATCH', '/api/users/dave', { body: theirs })).status).toBe(200);

    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(() => page.locator('#edit-user-error').textContent())
      .toBe('dave was changed by someone else since the form was opened; the form now shows the stored values: make your changes again.');
    expect(await page.locator('#notice').textContent()).toContain('dave was changed by someone else');
    expect(await form.isHidden()).toBe(false);
    // Nothing of the form was written; the form shows the user as stored now.
    expect((await api.request('GET', '/api/users/dave')).body).toMatchObject({ quota: { maxFiles: 7 }, attributes: theirs.attributes });
    expect(await form.getByLabel('Quota in bytes (empty: no limit)').inputValue()).toBe('');
    expect(JSON.parse(await form.getByLabel(/^Mounts/).inputValue())).toEqual({ '/theirs': 'team' });

    // Made again on the stored values, the change keeps the other operator's.
    await form.getByLabel('Quota in bytes (empty: no limit)').fill('10');
    await form.getByLabel(/^Mounts/).fill(JSON.stringify({ '/theirs': 'team', '/mine': 'team' }));
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Saved the changes of dave.');
    expect((await api.request('GET', '/api/users/dave')).body).toMatchObject({
      quota: { maxBytes: 10, maxFiles: 7 },
      attributes: { note: 'kept', mounts: { '/theirs': 'team', '/mine': 'team' } },
    });
  });

  it('hides the edit of a profile when the user store cannot change one', async () => {
    const { admin } = await usersFixture({}, ({ updateUser: _updateUser, ...withoutUpdate }) => withoutUpdate);
    const page = await usersPage(admin.url);
    const row = page.locator('#users tbody tr[data-username="dave"]');
    await expect.poll(() => row.getByRole('button', { name: 'Disable' }).count()).toBe(1);
    expect(await row.getByRole('button', { name: 'Edit' }).count()).toBe(0);
  });

  it('shows a ban made by failed FTP logins and lifts it: FTP admits the address again', async () => {
    const { admin, ftp, ftpPort } = await startAdminFixture({ defender: { maxFailuresPerIp: 2, failedLoginDelayMs: 0 } });
    const page = await browser.newPage();
    await logIn(page, admin.url);
    await page.locator('#dashboard').waitFor();
    // Failures from another front door count like FTP ones (the engine's public defender access).
    await ftp.defender.recordFailedLogin('127.0.0.1', 'mallory');
    await ftp.defender.recordFailedLogin('127.0.0.1', 'mallory');
    expect((await (await rawSession(ftpPort)).read()).code).toBe(421);
    const row = page.locator('#bans tbody tr[data-address="127.0.0.1"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await row.getByRole('button', { name: 'Lift ban' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Lifted the ban of 127.0.0.1.');
    expect((await (await rawSession(ftpPort)).read()).code).toBe(220);
    await expect.poll(() => row.count()).toBe(0);

    await page.getByLabel('Allow address or CIDR block').fill('192.0.2.0/24');
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await expect.poll(() => page.locator('#allow-list').textContent()).toBe('Allow list: 192.0.2.0/24');
  });

  it('shows FTP data as text, never as markup', async () => {
    const { admin, ftpPort } = await startAdminFixture();
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await logIn(page, admin.url);
    const name = '<img src=x onerror=alert(1)>';
    await ftpClient(ftpPort, name);
    const cell = page.locator('#sessions td.user');
    await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toBe(name);
    expect(await page.locator('#sessions img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('logs out: the token ends and the login form returns', async () => {
    const { admin, api } = await startAdminFixture();
    const page = await browser.newPage();
    await logIn(page, admin.url);
    await page.locator('#dashboard').waitFor();
    const token = await page.evaluate(() => sessionStorage.getItem('ftp-admin-token'));
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#login-view').waitFor();
    expect((await api.request('GET', '/api/server', { token })).status).toBe(401);
    await eventually(async () => (await page.evaluate(() => sessionStorage.getItem('ftp-admin-token'))) === null, 'the token to be gone');
  });
});
