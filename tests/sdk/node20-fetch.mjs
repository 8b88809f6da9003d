// The SDK sends a `Keep-Alive` request header, which Node 20's built-in fetch (undici)
// refuses before any byte is sent ("invalid keep-alive header"), whatever the server. Drop
// that one header; everything else goes out as the SDK wrote it.
const nodeFetch = globalThis.fetch;
globalThis.fetch = (url, options = {}) => {
  const headers = Object.fromEntries(
    Object.entries(options.headers ?? {}).filter(([name]) => name.toLowerCase() !== "keep-alive"),
  );
  return nodeFetch(url, { ...options, headers });
};

