import './styles.css';
import { render, screen } from '@testing-library/react';
import { page } from 'vitest/browser';
import { describe, expect, it } from 'vitest';

/** WCAG's relative luminance of an `rgb()`/`rgba()` colour as getComputedStyle gives it. */
function luminance(colour: string): number {
  const [r = 0, g = 0, b = 0] = (/rgba?\(([^)]+)\)/.exec(colour)?.[1] ?? '')
    .split(',')
    .slice(0, 3)
    .map((part) => Number(part.trim()) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

function opaque(colour: string): boolean {
  const alpha = /rgba\([^)]*,\s*([\d.]+)\)/.exec(colour)?.[1];
  return colour !== 'transparent' && (alpha === undefined || Number(alpha) > 0);
}

/** The background the ring is drawn on: that of the nearest ancestor that paints one (the canvas is white). */
function surroundingBackground(element: Element): string {
  for (let node = element.parentElement; node !== null; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (opaque(colour)) return colour;
  }
  return 'rgb(255, 255, 255)';
}

/** Markup with the console's classes, as the pages use them: each surface a focusable element appears on. */
function Surfaces() {
  return (
    <>
      <header className="header">
        <p className="banner banner-local">
          <a href="#local">link in the local banner</a>
        </p>
        <p className="banner banner-sandbox">
          <a href="#sandbox">link in the sandbox banner</a>
        </p>
        <p className="banner banner-production">
          <a href="#production">link in the production banner</a>
        </p>
        <select aria-label="select in the header">
          <option>pt-BR</option>
        </select>
        {/* The phone's header with its menu open (styles.css, phone header). */}
        <div className="header-row">
          <p className="brand">Console</p>
          <button type="button" className="button secondary menu-toggle" aria-expanded="true" aria-controls="menu">
            menu button
          </button>
          <div id="menu" className="header-menu open">
            <nav aria-label="menu">
              <ul className="nav">
                <li>
                  <a href="#current" aria-current="page">
                    current page in the menu
                  </a>
                </li>
                <li>
                  <a href="#other">other page in the menu</a>
                </li>
              </ul>
            </nav>
            <div className="header-controls">
              <label className="header-control">
                <span>environment</span>
                <select aria-label="select in the menu">
                  <option>local</option>
                </select>
              </label>
              <div className="header-control account">
                <span>account</span>
                <button type="button" className="button secondary small">
                  log out in the menu
                </button>
              </div>
            </div>
          </div>
        </div>
      </header>
      <main>
        <a href="#page">link on the page</a>
        <button type="button" className="button primary">
          primary on the page
        </button>
        <fieldset>
          <legend>white fieldset</legend>
          <input aria-label="input in a fieldset" />
          <button type="button" className="button">
            button in a fieldset
          </button>
          <button type="button" className="button secondary">
            secondary in a fieldset
          </button>
          <label className="checkbox">
            <input type="checkbox" /> checkbox in a fieldset
          </label>
        </fieldset>
        <div className="alert warning" role="alertdialog" aria-label="warning">
          <button type="button" className="button danger">
            danger in a warning
          </button>
          <button type="button" className="button secondary">
            secondary in a warning
          </button>
        </div>
        <div className="alert error">
          <a href="#error">link in an error</a>
        </div>
        <fieldset className="subtle">
          <legend>subtle fieldset</legend>
          <input aria-label="input in a subtle fieldset" />
        </fieldset>
      </main>
    </>
  );
}

describe('the focus ring', () => {
  it('contrasts at least 3:1 with the background around it, on every surface', async () => {
    // A phone's size: the header's menu button and open menu show only below 1024 px.
    await page.viewport(390, 844);
    render(<Surfaces />);
    const elements = [
      ...screen.getAllByRole('link'),
      ...screen.getAllByRole('button'),
      ...screen.getAllByRole('textbox'),
      screen.getByRole('checkbox'),
      ...screen.getAllByRole('combobox'),
    ];
    expect(elements.length).toBeGreaterThanOrEqual(19);
    const ratios = elements.map((element) => {
      element.focus();
      expect(element).toHaveFocus();
      // Focused from the keyboard's point of view (no pointer was used): the ring is the :focus-visible one.
      expect(element.matches(':focus-visible')).toBe(true);
      const style = getComputedStyle(element);
      expect(style.outlineStyle).toBe('solid');
      expect(parseFloat(style.outlineWidth)).toBeGreaterThanOrEqual(2);
      return [
        element.textContent || element.getAttribute('aria-label'),
        Number(contrast(style.outlineColor, surroundingBackground(element)).toFixed(2)),
      ] as const;
    });
    expect(ratios.filter(([, ratio]) => ratio < 3)).toEqual([]);
  });
});
