module acr 'mod/acr.bicep' = {
  name: 'acr'
}
