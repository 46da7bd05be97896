// The session image control: the current image and "Add image" with Take Photo (the camera on a
// phone), Choose from library, and Remove current photo.

import { fill, h } from '../shared/dom.js';
import { uniqueId } from '../shared/forms.js';

const MAX_BYTES = 5 * 1024 * 1024;
const TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const ADVICE = 'Choose a JPEG, PNG or WebP photo of at most 5 MB.';

/**
 * `imageUrl`: the image shown now (or null). `save(file)` and `remove()` do the work and resolve to
 * { imageUrl, errors } (errors: [{ message }]); `title` names the session in the image's alt text.
 * Returns { element, file() }: file() is the last chosen file (for a form that uploads it later).
 */
export function imageControls({
  idPrefix,
  imageUrl,
  title,
  save,
  remove,
  savedText = 'The image is saved.',
  removedText = 'The image is removed.',
}) {
  let current = imageUrl;
  let chosen = null;
  const menuId = `${idPrefix}-menu`;
  const statusId = uniqueId(`${idPrefix}-status`);

  // The file inputs are worked through the menu's buttons, so they stay out of the keyboard's and the
  // screen reader's way; `capture` makes Take Photo open the camera on a phone.
  const camera = h('input', {
    id: `${idPrefix}-camera`,
    type: 'file',
    accept: 'image/*',
    capture: 'environment',
    class: 'visually-hidden',
    tabindex: '-1',
    'aria-hidden': 'true',
  });
  const library = h('input', {
    id: `${idPrefix}-library`,
    type: 'file',
    accept: 'image/*',
    class: 'visually-hidden',
    tabindex: '-1',
    'aria-hidden': 'true',
  });
  const preview = h('div', { class: 'image-preview' });
  const status = h('p', { id: statusId, class: 'image-status', role: 'status' });
  const problem = h('p', { id: `${idPrefix}-error`, class: 'field-error', hidden: true });

  const addButton = h(
    'button',
    {
      type: 'button',
      class: 'button',
      id: `${idPrefix}-add`,
      'aria-expanded': 'false',
      'aria-controls': menuId,
      'aria-describedby': `${idPrefix}-error`,
    },
    'Add image',
    h('span', { 'aria-hidden': 'true' }, ' ▾'),
  );
  const takePhoto = h(
    'button',
    { type: 'button', class: 'image-menu-item', onclick: () => choose(camera) },
    'Take Photo',
  );
  const fromLibrary = h(
    'button',
    { type: 'button', class: 'image-menu-item', onclick: () => choose(library) },
    'Choose from library',
  );
  const removeButton = h(
    'button',
    { type: 'button', class: 'image-menu-item image-menu-danger', onclick: () => removeImage() },
    'Remove current photo',
  );
  const menu = h(
    'ul',
    { id: menuId, class: 'image-menu', hidden: true },
    h('li', {}, takePhoto),
    h('li', {}, fromLibrary),
    h('li', {}, removeButton),
  );

  function setMenu(open) {
    menu.hidden = !open;
    addButton.setAttribute('aria-expanded', String(open));
    if (open) takePhoto.focus();
  }
  addButton.addEventListener('click', () => {
    if (!working) setMenu(menu.hidden);
  });
  menu.addEventListener('keydown', (event) => {
    const items = [...menu.querySelectorAll('button:not([hidden])')];
    const index = items.indexOf(document.activeElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      setMenu(false);
      addButton.focus();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      items[(index + step + items.length) % items.length].focus();
    }
  });
  const element = h('div', { class: 'image-controls' });
  element.addEventListener('focusout', (event) => {
    if (!menu.hidden && !element.contains(event.relatedTarget)) setMenu(false);
  });

  function choose(input) {
    setMenu(false);
    addButton.focus();
    input.value = '';
    input.click();
  }

  function showProblem(message) {
    if (message) {
      fill(problem, h('span', { class: 'visually-hidden' }, 'Error: '), message);
      problem.hidden = false;
    } else {
      problem.replaceChildren();
      problem.hidden = true;
    }
  }

  function draw() {
    fill(
      preview,
      current
        ? h('img', { src: current, alt: `Image of the session ${title()}`, class: 'session-image' })
        : h('p', { class: 'muted image-empty' }, 'No image yet.'),
    );
    removeButton.hidden = !current;
  }

  // aria-disabled rather than disabled: the button keeps the keyboard focus while the image goes up.
  let working = false;
  function busy(text) {
    working = Boolean(text);
    if (working) addButton.setAttribute('aria-disabled', 'true');
    else addButton.removeAttribute('aria-disabled');
    fill(status, text ? [h('span', { class: 'spinner', 'aria-hidden': 'true' }), text] : []);
  }

  async function run(work, doing, done) {
    showProblem(null);
    busy(doing);
    try {
      const result = await work();
      busy(null);
      if (result.errors && result.errors.length) {
        showProblem(result.errors.map((e) => e.message).join(' '));
        return;
      }
      current = result.imageUrl;
      draw();
      status.textContent = done;
    } catch (error) {
      busy(null);
      showProblem(error.message);
    }
  }

  async function onFile(event) {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    if (file.type && !TYPES.includes(file.type)) {
      showProblem(`“${file.name}” is not a JPEG, PNG or WebP image. ${ADVICE}`);
      return;
    }
    if (file.size > MAX_BYTES) {
      showProblem(`“${file.name}” is ${(file.size / 1024 / 1024).toFixed(1)} MB, over the 5 MB limit. ${ADVICE}`);
      return;
    }
    chosen = file;
    await run(() => save(file), 'Uploading the image…', savedText);
  }

  async function removeImage() {
    setMenu(false);
    addButton.focus();
    chosen = null;
    await run(() => remove(), 'Removing the image…', removedText);
  }

  camera.addEventListener('change', onFile);
  library.addEventListener('change', onFile);
  draw();

  fill(
    element,
    preview,
    problem,
    h('div', { class: 'image-actions' }, addButton, menu),
    status,
    camera,
    library,
    h('p', { class: 'hint' }, `Select an image that is relevant to the session topic. ${ADVICE}`),
  );
  return { element, file: () => chosen };
}
