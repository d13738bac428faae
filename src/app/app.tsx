/** Placeholder until the console's pages land (issue: the console). */
export function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: '40rem', margin: '3rem auto', padding: '0 1rem', lineHeight: 1.5 }}>
      <h1>Console de Cadastro Facial</h1>
      <p>
        O servidor e o emulador da API de reconhecimento facial da QI Tech estão no ar. As páginas de cadastro e de consulta chegam na
        próxima versão.
      </p>
      <p lang="en">Face Registration Console: the server and the QI Tech emulator are running; the register and look-up pages come next.</p>
      <p>
        <a href="/emulator/openapi.json">Contrato do emulador (OpenAPI)</a>
      </p>
    </main>
  );
}
