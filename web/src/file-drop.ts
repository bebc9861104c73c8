// The "drop an image here, or pick one" box both pages have (the web export and the inspector's
// "Try it"): one file at a time, from the file input or dropped on the box.
export function onImageFile(input: HTMLInputElement, drop: HTMLElement, use: (file: File) => void): void {
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) use(file);
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) use(file);
  });
}
