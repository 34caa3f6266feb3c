/** The web admin page: one HTML document, its style and its script, served as they are (no build step). */
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
<main id="app"><p>Loading…</p></main>
</body>
</html>
`;

export const pageCss = '';

export const pageScript = '';
