// Loading a script of the widget's server later (a script element: the page's CSP already allows the server, which
// served onduty.js). Each file is loaded once; the promise gets what the file put on window[globalName].
const loading = new Map();

export function loadScript(server, name, globalName) {
  if (window[globalName]) return Promise.resolve(window[globalName]);
  if (loading.has(name)) return loading.get(name);
  const promise = new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = new URL(`/widget/${name}`, server).href;
    script.async = true;
    script.onload = () => (window[globalName] ? resolve(window[globalName]) : reject(new Error(`${name}: nothing`)));
    script.onerror = () => {
      loading.delete(name);
      reject(new Error(`${name} did not load`));
    };
    document.head.append(script);
  });
  loading.set(name, promise);
  return promise;
}
