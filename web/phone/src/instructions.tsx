import { texts } from '@shared/texts';

/** The intervention's instructions, one tap away; the summary names its intervention. */
export function Instructions({ title, text }: { title: string; text: string }) {
  return (
    <details className="instructions">
      <summary>
        {texts.phone.instructions}
        <span className="visually-hidden">: {title}</span>
      </summary>
      <p>{text || texts.phone.noInstructions}</p>
    </details>
  );
}
