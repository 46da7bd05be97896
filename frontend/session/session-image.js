// The session image control: the current image and "Add image" with Take Photo (the camera on a
// phone), Choose from library, and Remove current photo.

import { fill, h } from '../common/dom.js';
import { icon } from '../common/icons.js';
import { uniqueId } from '../common/forms.js';

const MAX_BYTES = 5 * 1024 * 1024;
const TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const ADVICE = 'Choose a JPEG, PNG or WebP photo of at most 5 MB.';

// The file inputs are worked through the menu's buttons, so they stay out of the keyboard's and the
// screen reader's way; `capture` makes Take Photo open the camera on a phone.
function fileInput(id, extra = {}) {
  return h('input', {
    id,
    type: 'file',
    accept: 'image/*',
    ...extra,
    class: 'visually-hidden',
    tabindex: '-1',
    'aria-hidden': 'true',
  });
}

function addImageButton(idPrefix, menuId) {
  return h(
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
    icon('menu-down'),
  );
}

function imageMenu(menuId, { onCamera, onLibrary, onRemove }) {
  const item = (onclick, text, danger = false) =>
    h(
      'button',
      { type: 'button', class: danger ? 'image-menu-item image-menu-danger' : 'image-menu-item', onclick },
      text,
    );
  const takePhoto = item(onCamera, 'Take Photo');
  const fromLibrary = item(onLibrary, 'Choose from library');
  const removeButton = item(onRemove, 'Remove current photo', true);
  const menu = h(
    'ul',
    { id: menuId, class: 'image-menu', hidden: true },
    h('li', {}, takePhoto),
    h('li', {}, fromLibrary),
    h('li', {}, removeButton),
  );
  return { menu, takePhoto, removeButton };
}

/** The menu's keys: arrows move between its items, Escape closes it (`onEscape`). */
function menuKeys(menu, onEscape) {
  return (event) => {
    const items = [...menu.querySelectorAll('button:not([hidden])')];
    const index = items.indexOf(document.activeElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onEscape();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      items[(index + step + items.length) % items.length].focus();
    }
  };
}

function showProblem(problem, message) {
  if (message) {
    fill(problem, h('span', { class: 'visually-hidden' }, 'Error: '), message);
    problem.hidden = false;
  } else {
    problem.replaceChildren();
    problem.hidden = true;
  }
}

/** Why a chosen file cannot be the image, or null when it can. */
function whyNot(file) {
  if (file.type && !TYPES.includes(file.type)) return `“${file.name}” is not a JPEG, PNG or WebP image. ${ADVICE}`;
  if (file.size > MAX_BYTES) {
    return `“${file.name}” is ${(file.size / 1024 / 1024).toFixed(1)} MB, over the 5 MB limit. ${ADVICE}`;
  }
  return null;
}

/** Opens and closes the menu: the button toggles it (unless busy), Escape and leaving the control close it. */
function menuToggle({ element, menu, addButton, takePhoto, isWorking }) {
  function setMenu(open) {
    menu.hidden = !open;
    addButton.setAttribute('aria-expanded', String(open));
    if (open) takePhoto.focus();
  }
  addButton.addEventListener('click', () => {
    if (!isWorking()) setMenu(menu.hidden);
  });
  menu.addEventListener(
    'keydown',
    menuKeys(menu, () => {
      setMenu(false);
      addButton.focus();
    }),
  );
  element.addEventListener('focusout', (event) => {
    if (!menu.hidden && !element.contains(event.relatedTarget)) setMenu(false);
  });
  return setMenu;
}

/** Runs a save or a removal: { imageUrl } when done, { problem } (a message) when refused or failed. */
async function attempt(work) {
  try {
    const result = await work();
    if (result.errors && result.errors.length) return { problem: result.errors.map((e) => e.message).join(' ') };
    return { imageUrl: result.imageUrl };
  } catch (error) {
    return { problem: error.message };
  }
}

function previewContent(imageUrl, title) {
  return imageUrl
    ? h('img', { src: imageUrl, alt: `Image of the session ${title()}`, class: 'session-image' })
    : h('p', { class: 'muted image-empty' }, 'No image yet.');
}

function fillControls(element, { preview, problem, addButton, menu, status, camera, library }) {
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
}

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

  const camera = fileInput(`${idPrefix}-camera`, { capture: 'environment' });
  const library = fileInput(`${idPrefix}-library`);
  const preview = h('div', { class: 'image-preview' });
  const status = h('p', { id: statusId, class: 'image-status', role: 'status' });
  const problem = h('p', { id: `${idPrefix}-error`, class: 'field-error', hidden: true });

  const addButton = addImageButton(idPrefix, menuId);
  const { menu, takePhoto, removeButton } = imageMenu(menuId, {
    onCamera: () => choose(camera),
    onLibrary: () => choose(library),
    onRemove: () => removeImage(),
  });

  const element = h('div', { class: 'image-controls' });
  const setMenu = menuToggle({ element, menu, addButton, takePhoto, isWorking: () => working });

  function choose(input) {
    setMenu(false);
    addButton.focus();
    input.value = '';
    input.click();
  }

  function draw() {
    fill(preview, previewContent(current, title));
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
    showProblem(problem, null);
    busy(doing);
    const result = await attempt(work);
    busy(null);
    if ('problem' in result) {
      showProblem(problem, result.problem);
      return;
    }
    current = result.imageUrl;
    draw();
    status.textContent = done;
  }

  async function onFile(event) {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    const refused = whyNot(file);
    if (refused) {
      showProblem(problem, refused);
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

  fillControls(element, { preview, problem, addButton, menu, status, camera, library });
  return { element, file: () => chosen };
}
